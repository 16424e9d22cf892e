import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCipher } from '../../src/adapters/crypto/NodeCipher.ts';
import { hashApiKey } from '../../src/domain/hashing.ts';
import { imageEntryOf } from '../../src/domain/sealing.ts';
import { makeLimits } from '../../src/adapters/limits/rateLimits.ts';
import { fixture } from '../support/fixtures.ts';
import { freshPrefix, hasRedisServer } from '../support/redis.ts';
import { TEST_SEAL_SECRET } from '../support/sealing.ts';
import { connectedClusterClient, keysByMaster, type RedisCluster, startRedisCluster } from '../support/redisCluster.ts';
import { newSession, type RunningApp, startApp, upload } from '../support/startApp.ts';

const soccer = fixture('one-face-soccer.jpg');
const distinctPhotos = (n: number, from = 0) =>
  Promise.all(Array.from({ length: n }, (_, i) => sharp(soccer).jpeg({ quality: 40 + from + i }).toBuffer()));

async function summary(url: string, key: string): Promise<{ status: number; hashes: string[] }> {
  const response = await fetch(`${url}/summary`, { headers: { key } });
  if (response.status !== 200) return { status: response.status, hashes: [] };
  const body = (await response.json()) as { image_encodings: { sha256: string }[] };
  return { status: 200, hashes: body.image_encodings.map((image) => image.sha256) };
}

describe.skipIf(!hasRedisServer)('two instances on a real 3-master Redis Cluster', () => {
  const prefix = freshPrefix();
  let cluster: RedisCluster;
  let a: RunningApp;
  let b: RunningApp;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    const env = { STORAGE: 'redis', CACHE: 'redis', REDIS_CLUSTER_NODES: cluster.urls.join(','), REDIS_KEY_PREFIX: prefix, ENCODER_THREADS: '1', MAX_UPLOADS_IN_FLIGHT_PER_KEY: '0' };
    [a, b] = await Promise.all([startApp(env), startApp(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await cluster?.close();
  });

  /** Master URL of each key of this session: its own keys, its sealed entries' and their cache entries. */
  async function mastersOf(key: string, hashes: readonly string[]) {
    const cipher = new NodeCipher(Buffer.from(TEST_SEAL_SECRET, 'base64'));
    const names = [hashApiKey(key), ...hashes.map((sha256) => imageEntryOf(cipher, key, sha256).id)];
    const found: { url: string; name: string }[] = [];
    for (const [url, keys] of await keysByMaster(cluster, prefix)) {
      for (const name of keys) if (names.some((part) => name.includes(part))) found.push({ url, name });
    }
    return found;
  }

  it('gives exactly 5 of 20 concurrent uploads to one key across both instances, and spreads its keys over masters', async () => {
    const key = await newSession(a.url);
    const photos = await distinctPhotos(20);
    const responses = await Promise.all(photos.map((bytes, n) => upload(n % 2 === 0 ? a.url : b.url, key, bytes)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 403)).toHaveLength(15);

    const { hashes } = await summary(b.url, key);
    expect(hashes).toHaveLength(5);
    const placed = await mastersOf(key, hashes);
    // The session's own keys share one hash tag, so one master; with its encodings and cache entries it spans more.
    expect(new Set(placed.filter(({ name }) => name.includes(`{s:${hashApiKey(key)}}`)).map(({ url }) => url)).size).toBe(1);
    expect(new Set(placed.map(({ url }) => url)).size).toBeGreaterThan(1);
  });

  it('shares rate limits between instances through the cluster', async () => {
    const clients = await Promise.all([connectedClusterClient(cluster), connectedClusterClient(cluster)]);
    try {
      // Two instances' limiters on one prefix: 3 a minute in all, not 3 each.
      const shared = freshPrefix();
      const settings = { sessionsPerMinute: 3, requestsPerMinute: 0, unauthorizedPerMinute: 0, encodesPerSessionPerHour: 0, encodesPerAddressPerHour: 0 };
      const countedLocally: string[] = [];
      const observer = { refused: () => undefined, countedLocally: (limit: string) => countedLocally.push(limit) };
      const [x, y] = clients.map((client) => makeLimits(settings, { redis: client, keyPrefix: shared }, observer).sessionsPerAddress!);
      await x!.take('10.0.0.1');
      await y!.take('10.0.0.1');
      await x!.take('10.0.0.1');
      await expect(y!.take('10.0.0.1')).rejects.toMatchObject({ code: 'rate_limited' });
      expect(countedLocally).toEqual([]);
    } finally {
      clients.forEach((client) => client.destroy());
    }
  });

  it('answers 503 for the sessions on a stopped master and serves the others, then recovers when it is back', async () => {
    // One photo per session. A summary needs the session's keys and its encodings' (a cache
    // that cannot answer is a miss), so pick a master holding one session's keys and
    // none of another's.
    const sessions: { key: string; hashes: string[]; masters: Set<string>; sessionMaster: string }[] = [];
    for (const photo of await distinctPhotos(12, 25)) {
      const key = await newSession(a.url);
      expect((await upload(a.url, key, photo)).status).toBe(200);
      const { hashes } = await summary(b.url, key);
      const placed = (await mastersOf(key, hashes)).filter(({ name }) => /\{[se]:/.test(name));
      sessions.push({
        key,
        hashes,
        masters: new Set(placed.map(({ url }) => url)),
        sessionMaster: placed.find(({ name }) => name.includes(`{s:${hashApiKey(key)}}`))!.url,
      });
    }
    const pairs = sessions.flatMap((onIt) => sessions.filter((other) => !other.masters.has(onIt.sessionMaster)).map((elsewhere) => ({ onIt, elsewhere })));
    expect(pairs.length, 'a session on one master and one wholly off it').toBeGreaterThan(0);
    // Stop, if it can, the master that also holds the idle-session index (one key): the
    // sessions elsewhere must keep working without it.
    const index = `${prefix}sessions-by-last-use`;
    const indexMaster = [...(await keysByMaster(cluster, prefix))].find(([, keys]) => keys.includes(index))?.[0];
    expect(indexMaster).toBeDefined();
    const { onIt, elsewhere } = pairs.find((pair) => pair.onIt.sessionMaster === indexMaster) ?? pairs[0]!;

    const stopped = cluster.urls.indexOf(onIt.sessionMaster);
    await cluster.stop(stopped);
    try {
      for (const app of [a, b]) {
        const started = performance.now();
        const down = await fetch(`${app.url}/summary`, { headers: { key: onIt.key } });
        expect(down.status).toBe(503);
        expect(await down.json()).toMatchObject({ code: 'storage_unavailable' });
        expect(down.headers.get('retry-after')).toBe('1');
        expect(performance.now() - started).toBeLessThan(5_000);
        expect(await summary(app.url, elsewhere.key)).toEqual({ status: 200, hashes: elsewhere.hashes });
        expect((await fetch(`${app.url}/ping`)).status).toBe(200);
        // Every instance shares the cluster: a partial outage must not take them all out of rotation.
        const ready = await fetch(`${app.url}/ready`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ status: 'degraded', checks: { storage: 'degraded' } });
      }
    } finally {
      await cluster.start(stopped);
    }

    const deadline = Date.now() + 20_000;
    while ((await summary(a.url, onIt.key)).status !== 200) {
      if (Date.now() > deadline) throw new Error('the session on the restarted master never answered again');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const app of [a, b]) expect(await summary(app.url, onIt.key)).toEqual({ status: 200, hashes: onIt.hashes });
    const [another] = await distinctPhotos(1, 55);
    expect((await upload(b.url, onIt.key, another!)).status).toBe(200);
  });
});
