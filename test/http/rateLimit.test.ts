import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.ts';
import { deletePrefix, freshPrefix, hasRedis, redisUrl } from '../support/redis.ts';
import { newSession, type RunningApp, startApp, upload } from '../support/startApp.ts';

const soccer = fixture('one-face-soccer.jpg');
const baboon = fixture('no-face-baboon.jpg');

const started: RunningApp[] = [];
afterAll(async () => {
  await Promise.all(started.map((app) => app.close()));
});
async function app(env: Record<string, string>): Promise<RunningApp> {
  const running = await startApp({ ENCODER_THREADS: '1', ...env });
  started.push(running);
  return running;
}

async function expectRateLimited(response: Response): Promise<void> {
  expect(response.status).toBe(429);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await response.json()).toMatchObject({ code: 'rate_limited' });
}

describe('rate limits', () => {
  it('limits session creation per client address', async () => {
    const { url } = await app({ RATE_LIMIT_SESSIONS_PER_MINUTE: '3' });
    for (let n = 0; n < 3; n++) expect((await fetch(`${url}/session`, { method: 'POST' })).status).toBe(201);
    await expectRateLimited(await fetch(`${url}/session`, { method: 'POST' }));
    await expectRateLimited(await fetch(`${url}/session`));
    expect((await fetch(`${url}/ping`)).status).toBe(200);
  });

  it('counts an IPv6 /64 as one client, and an IPv4-mapped address as its IPv4 address', async () => {
    const { url } = await app({ RATE_LIMIT_SESSIONS_PER_MINUTE: '2', TRUST_PROXY: 'loopback' });
    const from = (address: string) => fetch(`${url}/session`, { method: 'POST', headers: { 'x-forwarded-for': address } });
    expect((await from('2001:db8:1:2::1')).status).toBe(201);
    expect((await from('2001:db8:1:2:ffff::42')).status).toBe(201);
    await expectRateLimited(await from('2001:db8:1:2:9::9'));
    expect((await from('2001:db8:1:3::1')).status).toBe(201);
    expect((await from('::ffff:198.51.100.1')).status).toBe(201);
    expect((await from('198.51.100.1')).status).toBe(201);
    await expectRateLimited(await from('::ffff:198.51.100.1'));
  });

  it('limits requests per key, and one key\'s limit does not touch another\'s', async () => {
    const { url } = await app({ RATE_LIMIT_REQUESTS_PER_MINUTE: '5' });
    const [busy, calm] = [await newSession(url), await newSession(url)];
    for (let n = 0; n < 5; n++) expect((await fetch(`${url}/summary`, { headers: { key: busy } })).status).toBe(200);
    await expectRateLimited(await fetch(`${url}/summary`, { headers: { key: busy } }));
    await expectRateLimited(await fetch(`${url}/session`, { method: 'DELETE', headers: { authorization: `Bearer ${busy}` } }));
    expect((await fetch(`${url}/summary`, { headers: { key: calm } })).status).toBe(200);
  });

  it.skipIf(!hasRedis)('shares the limits between instances when storage is Redis', async () => {
    const prefix = freshPrefix();
    const env = { STORAGE: 'redis', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, RATE_LIMIT_SESSIONS_PER_MINUTE: '2' };
    try {
      const [a, b] = [await app(env), await app(env)];
      expect((await fetch(`${a.url}/session`, { method: 'POST' })).status).toBe(201);
      expect((await fetch(`${b.url}/session`, { method: 'POST' })).status).toBe(201);
      await expectRateLimited(await fetch(`${a.url}/session`, { method: 'POST' }));
      await expectRateLimited(await fetch(`${b.url}/session`, { method: 'POST' }));
    } finally {
      await deletePrefix(prefix);
    }
  });
});

async function expectBudgetSpent(response: Response): Promise<void> {
  expect(response.status).toBe(429);
  // An hour's budget: the wait is most of an hour.
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(3000);
  expect(await response.json()).toMatchObject({ code: 'rate_limited', detail: expect.stringContaining('face encoder') });
}

const distinct = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => sharp(soccer).jpeg({ quality: 50 + i }).toBuffer()));

describe('the encode budget', () => {
  it('counts every encoder run of a session, whatever it found, and not the retries it answers without one', async () => {
    const { url, metricsUrl } = await app({ RATE_LIMIT_ENCODES_PER_SESSION_PER_HOUR: '3' });
    const key = await newSession(url);
    expect((await upload(url, key, soccer)).status).toBe(200);
    expect((await upload(url, key, baboon)).status).toBe(400);
    // The same photo without a face again: nothing was stored, so the encoder runs again.
    expect((await upload(url, key, baboon)).status).toBe(400);
    // A retry of what the session holds: answered from storage, for free.
    expect((await upload(url, key, soccer)).status).toBe(200);
    const [another] = await distinct(1);
    await expectBudgetSpent(await upload(url, key, another!));
    // Refused before the encoder: the session holds what it held.
    const summary = (await (await fetch(`${url}/summary`, { headers: { key } })).json()) as { image_encodings: unknown[] };
    expect(summary.image_encodings).toHaveLength(1);
    // Other sessions keep their own budgets.
    expect((await upload(url, await newSession(url), another!)).status).toBe(200);
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^face_sessions_rate_limited_total\{limit="encodes_per_session"\} 1$/m);
    // The photo, the empty photo twice, and the other session's: the retry and the refused upload ran nothing.
    expect(metrics).toMatch(/^face_sessions_encode_duration_seconds_count 4$/m);
  });

  it('counts a client address\'s encodes over all its sessions', async () => {
    const { url } = await app({ RATE_LIMIT_ENCODES_PER_ADDRESS_PER_HOUR: '2', TRUST_PROXY: 'loopback' });
    const photos = await distinct(3);
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const post = async (address: string, photo: Buffer) => {
      const form = new FormData();
      form.append('file', new Blob([photo]), 'photo.jpg');
      const key = await newSession(url);
      return fetch(`${url}/encode`, { method: 'POST', body: form, headers: { key, ...from(address) } });
    };
    expect((await post('203.0.113.1', photos[0]!)).status).toBe(200);
    expect((await post('203.0.113.1', photos[1]!)).status).toBe(200);
    await expectBudgetSpent(await post('203.0.113.1', photos[2]!));
    expect((await post('203.0.113.2', photos[2]!)).status).toBe(200);
  });

  it.skipIf(!hasRedis)('is one budget across instances that share Redis', async () => {
    const prefix = freshPrefix();
    try {
      const env = { STORAGE: 'redis', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, RATE_LIMIT_ENCODES_PER_SESSION_PER_HOUR: '2' };
      const [a, b] = [await app(env), await app(env)];
      const key = await newSession(a.url);
      const photos = await distinct(3);
      expect((await upload(a.url, key, photos[0]!)).status).toBe(200);
      expect((await upload(b.url, key, photos[1]!)).status).toBe(200);
      await expectBudgetSpent(await upload(a.url, key, photos[2]!));
      await expectBudgetSpent(await upload(b.url, key, photos[2]!));
    } finally {
      await deletePrefix(prefix);
    }
  });
});
