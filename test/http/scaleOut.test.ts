import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/domain/hashing.ts';
import { fixture } from '../support/fixtures.ts';
import {
  connectedClient,
  deletePrefix,
  freePort,
  freshPrefix,
  hasRedis,
  hasRedisServer,
  redisUrl,
  startRedisServer,
  writeVersion1Layout,
} from '../support/redis.ts';
import { newSession, type RunningApp, startApp, upload } from '../support/startApp.ts';

const soccer = fixture('one-face-soccer.jpg');

async function summaryHashes(url: string, key: string): Promise<string[]> {
  const response = await fetch(`${url}/summary`, { headers: { key } });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { image_encodings: { sha256: string }[] };
  return body.image_encodings.map((image) => image.sha256);
}

describe.skipIf(!hasRedis)('two instances sharing one Redis', () => {
  const prefix = freshPrefix();
  const version1Key = randomUUID();
  let a: RunningApp;
  let b: RunningApp;
  beforeAll(async () => {
    // What a build before sealing left in this Redis: its plaintext must go when these start.
    const client = await connectedClient();
    const image = { sha256: createHash('sha256').update(soccer).digest('hex'), faces: [{ encoding: [0.1234567891] }] };
    await writeVersion1Layout(client, prefix, { keyHash: hashApiKey(version1Key), images: [image] });
    client.destroy();
    const env = { STORAGE: 'redis', CACHE: 'redis', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, ENCODER_THREADS: '1', MAX_UPLOADS_IN_FLIGHT_PER_KEY: '0' };
    [a, b] = await Promise.all([startApp(env), startApp(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await deletePrefix(prefix);
  });

  it('serves a session made on one instance from the other, and shows a write on one in the other\'s next summary', async () => {
    const key = await newSession(a.url);
    expect(await summaryHashes(b.url, key)).toEqual([]);
    const uploaded = (await (await upload(b.url, key, soccer)).json()) as { sha256: string };
    expect(await summaryHashes(a.url, key)).toEqual([uploaded.sha256]);
    await fetch(`${a.url}/session`, { method: 'DELETE', headers: { key } });
    expect(await summaryHashes(b.url, key)).toEqual([]);
  });

  it('gives exactly 5 of 20 concurrent distinct uploads to one key, spread over both, a slot', async () => {
    const key = await newSession(a.url);
    const images = await Promise.all(
      Array.from({ length: 20 }, (_, n) => sharp(soccer).jpeg({ quality: 60 + 2 * n }).toBuffer()),
    );
    const responses = await Promise.all(images.map((bytes, n) => upload(n % 2 === 0 ? a.url : b.url, key, bytes)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 403)).toHaveLength(15);

    const accepted = await Promise.all(
      responses.filter((response) => response.status === 200).map(async (r) => ((await r.json()) as { sha256: string }).sha256),
    );
    const summary = await summaryHashes(b.url, key);
    expect(summary).toHaveLength(5);
    expect(new Set(summary)).toEqual(new Set(accepted));
  });

  it('deletes at start the plaintext keys a build before sealing left, and keeps those sessions\' keys working', async () => {
    const client = await connectedClient();
    try {
      const deadline = Date.now() + 10_000;
      while ((await client.keys(`${prefix}*:faces`)).length + (await client.keys(`${prefix}*:images`)).length > 0) {
        if (Date.now() > deadline) throw new Error('the keys of the layout before sealing are still there');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      client.destroy();
    }
    expect(await summaryHashes(b.url, version1Key)).toEqual([]);
  });

  it('stores no API key in clear, in key names or values', async () => {
    const key = await newSession(a.url);
    await upload(a.url, key, soccer);
    const client = await connectedClient();
    try {
      const names: string[] = [];
      for await (const batch of client.scanIterator({ MATCH: `${prefix}*` })) names.push(...batch);
      expect(names.some((name) => name.includes(hashApiKey(key)))).toBe(true);
      // Lists of links, the sorted set of sessions by last use (the idle TTL), strings.
      const valueOf = async (name: string) => {
        const type = await client.type(name);
        if (type === 'list') return (await client.lRange(name, 0, -1)).join();
        if (type === 'zset') return (await client.zRange(name, 0, -1)).join();
        return client.get(name);
      };
      const values = await Promise.all(names.map(valueOf));
      expect(names.join('\n') + values.join('\n')).not.toContain(key);
    } finally {
      client.destroy();
    }
  });
});

describe.skipIf(!hasRedis)('REDIS_URL', () => {
  it('honours the database number in the URL', async () => {
    const prefix = freshPrefix();
    const url = `${redisUrl.replace(/\/\d*$/, '')}/3`;
    const app = await startApp({ STORAGE: 'redis', REDIS_URL: url, REDIS_KEY_PREFIX: prefix, ENCODER_THREADS: '1' });
    try {
      await newSession(app.url);
      const [db3, db0] = await Promise.all([connectedClient(url), connectedClient(redisUrl.replace(/\/\d*$/, '') + '/0')]);
      expect(await db3.keys(`${prefix}{s:*`)).toHaveLength(1);
      expect(await db0.keys(`${prefix}*`)).toHaveLength(0);
      db3.destroy();
      db0.destroy();
    } finally {
      await app.close();
      await deletePrefix(prefix, url);
    }
  });
});

async function waitForStatus(url: string, status: number, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while ((await fetch(url)).status !== status) {
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${status} within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!hasRedisServer)('a Redis outage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faces-redis-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers 503 quickly while Redis is down, keeps serving, and recovers with nothing lost', async () => {
    const port = await freePort();
    let redis = await startRedisServer(port, dir);
    const app = await startApp({ STORAGE: 'redis', CACHE: 'redis', REDIS_URL: `redis://127.0.0.1:${port}`, ENCODER_THREADS: '1' });
    try {
      await waitForStatus(`${app.url}/ready`, 200, 30_000);
      const key = await newSession(app.url);
      expect((await upload(app.url, key, soccer)).status).toBe(200);
      const before = await summaryHashes(app.url, key);

      redis.kill('SIGTERM');
      await once(redis, 'exit');
      const started = performance.now();
      const summary = await fetch(`${app.url}/summary`, { headers: { key } });
      expect(summary.status).toBe(503);
      expect(await summary.json()).toMatchObject({ code: 'storage_unavailable' });
      expect((await fetch(`${app.url}/session`, { method: 'POST' })).status).toBe(503);
      expect(performance.now() - started).toBeLessThan(5_000);
      const ready = await fetch(`${app.url}/ready`);
      expect(ready.status).toBe(503);
      // Without its cache the service still answers, from storage: degraded, not failed.
      expect(await ready.json()).toMatchObject({ checks: { storage: 'failed', cache: 'degraded' } });
      expect((await fetch(`${app.url}/ping`)).status).toBe(200);
      // The limits went on counting, in this process: said in the log and in the metrics.
      expect(app.logs.join('')).toContain('rate limit counted by this process alone');
      expect(await (await fetch(`${app.metricsUrl}/metrics`)).text()).toMatch(/face_sessions_rate_limit_counted_locally_total\{limit="requests_per_key"\} [1-9]/);

      redis = await startRedisServer(port, dir);
      await waitForStatus(`${app.url}/ready`, 200, 15_000);
      expect(await summaryHashes(app.url, key)).toEqual(before);
      const other = await sharp(soccer).jpeg({ quality: 70 }).toBuffer();
      expect((await upload(app.url, key, other)).status).toBe(200);
    } finally {
      await app.close();
      redis.kill('SIGTERM');
    }
  });
});
