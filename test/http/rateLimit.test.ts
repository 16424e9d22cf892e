import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, freshPrefix, hasRedis, redisUrl } from '../support/redis.ts';
import { newSession, type RunningApp, startApp } from '../support/startApp.ts';

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
