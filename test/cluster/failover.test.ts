import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/domain/hashing.ts';
import { fixture } from '../support/fixtures.ts';
import { freshPrefix, hasRedisServer } from '../support/redis.ts';
import { keysByMaster, mastersSeenBy, type RedisCluster, startRedisCluster } from '../support/redisCluster.ts';
import { type RunningApp, startApp, upload } from '../support/startApp.ts';

const photo = fixture('one-face-soccer.jpg');
const photoSha256 = createHash('sha256').update(photo).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a client was told: each session it started, and whether its upload was acknowledged (200). */
interface Acknowledged {
  readonly key: string;
  readonly uploaded: boolean;
}

/** `clients` loops that each start a session and upload one photo to it, until `until()`; what they were told grows as they go. */
function load(url: string, clients: number, until: () => boolean) {
  const acknowledged: Acknowledged[] = [];
  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const done = Promise.all(
    Array.from({ length: clients }, async () => {
      while (!until()) {
        const started = await fetch(`${url}/session`, { method: 'POST' });
        count(started.status);
        if (started.status !== 201) {
          await sleep(50);
          continue;
        }
        const { key } = (await started.json()) as { key: string };
        const uploaded = await upload(url, key, photo);
        count(uploaded.status);
        acknowledged.push({ key, uploaded: uploaded.status === 200 });
        await uploaded.arrayBuffer();
      }
    }),
  );
  return { acknowledged, statuses, done };
}

/** 200 with exactly the photo when it was acknowledged (no photo when not); anything else is a loss. */
async function readable(url: string, { key, uploaded }: Acknowledged): Promise<boolean> {
  const response = await fetch(`${url}/summary`, { headers: { key } });
  if (response.status !== 200) return false;
  const { image_encodings: images } = (await response.json()) as { image_encodings: { sha256: string }[] };
  return uploaded ? images.some((image) => image.sha256 === photoSha256) : true;
}

describe.skipIf(!hasRedisServer)('a Redis Cluster failover (3 masters with a replica each), under load', () => {
  let cluster: RedisCluster;
  let app: RunningApp;
  const prefix = freshPrefix();
  beforeAll(async () => {
    cluster = await startRedisCluster(3, 1);
    app = await startApp({
      STORAGE: 'redis',
      CACHE: 'redis',
      REDIS_CLUSTER_NODES: cluster.urls.join(','),
      REDIS_KEY_PREFIX: prefix,
      ENCODER_THREADS: '1',
      MAX_UPLOADS_IN_FLIGHT_PER_KEY: '0',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
      REDIS_REPLICA_ACKS: '1',
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await cluster?.close();
  });

  async function readiness() {
    const response = await fetch(`${app.url}/ready`);
    return { status: response.status, body: (await response.json()) as unknown };
  }
  async function unreachableMasters(): Promise<number> {
    const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
    return Number(/^face_sessions_redis_masters_unreachable (\d+)$/m.exec(text)?.[1]);
  }

  it('kill -9 of the busiest master: its sessions answer again within 5 s of the promotion, and no acknowledged upload is lost', async () => {
    const began = performance.now();
    const running = load(app.url, 4, () => performance.now() - began > 14_000);
    await sleep(4000);

    const byMaster = [...(await keysByMaster(cluster, prefix)).entries()].sort(([, a], [, b]) => b.length - a.length);
    const [victimUrl, victimKeys] = byMaster[0]!;
    const victim = cluster.urls.indexOf(victimUrl);
    const onVictim = new Set(victimKeys.flatMap((name) => /\{s:([0-9a-f]+)\}:live$/.exec(name)?.[1] ?? []));
    await cluster.stop(victim, 'SIGKILL');
    const killedAt = performance.now();
    // Until its replica takes over, a third of the keyspace has no master: still ready (every instance
    // shares that outage), but degraded, and the metrics say so.
    expect(await readiness()).toEqual({ status: 200, body: { status: 'degraded', checks: { storage: 'degraded', cache: expect.any(String), encoder: 'ok' } } });
    expect(await unreachableMasters()).toBe(1);
    const witness = cluster.urls.findIndex((url, index) => index !== victim && url !== victimUrl);
    while ((await mastersSeenBy(cluster, witness)).length < 3 || (await mastersSeenBy(cluster, witness)).includes(victimUrl)) await sleep(50);
    const promotedAt = performance.now();

    // Sessions the killed master held, acknowledged before it died: poll, under the load, until each answers.
    const { acknowledged, statuses } = running;
    const affected = acknowledged.filter(({ key }) => onVictim.has(hashApiKey(key))).slice(0, 40);
    expect(affected.length).toBeGreaterThan(0);
    let readableAt = Infinity;
    while (performance.now() - promotedAt < 15_000) {
      if ((await Promise.all(affected.map((session) => readable(app.url, session)))).every(Boolean)) {
        readableAt = performance.now();
        break;
      }
      await sleep(100);
    }
    console.info(
      `failover: promoted ${Math.round(promotedAt - killedAt)} ms after the kill; its sessions readable ${Math.round(Math.max(0, readableAt - promotedAt))} ms after; ` +
        `statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    await running.done;
    expect(readableAt - promotedAt).toBeLessThan(5000);
    expect(await readiness()).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect(await unreachableMasters()).toBe(0);

    const lost = (await Promise.all(acknowledged.map(async (session) => ((await readable(app.url, session)) ? [] : [session])))).flat();
    expect(acknowledged.filter(({ uploaded }) => uploaded).length).toBeGreaterThan(50);
    expect(lost).toEqual([]);
    // Failures while the slots had no master were 503s, never 500s.
    expect(statuses.get(500) ?? 0).toBe(0);

    // The killed master comes back as a replica of the one that replaced it; nothing changes for clients.
    await cluster.start(victim);
    expect(await mastersSeenBy(cluster, victim)).not.toContain(victimUrl);
    const rejoined = performance.now();
    const after = load(app.url, 2, () => performance.now() - rejoined > 3000);
    await after.done;
    expect([...after.statuses.keys()].every((status) => status === 200 || status === 201)).toBe(true);
  }, 90_000);

  it('a planned failover (CLUSTER FAILOVER on a replica) is followed at once: no acknowledged upload lost, no 5xx past a moment', async () => {
    const began = performance.now();
    const running = load(app.url, 4, () => performance.now() - began > 6000);
    await sleep(2000);
    const masters = await mastersSeenBy(cluster, 0);
    const replica = cluster.urls.findIndex((url) => !masters.includes(url));
    const { createClient } = await import('@keyv/redis');
    const client = createClient({ url: cluster.urls[replica]! });
    await client.connect();
    await client.sendCommand(['CLUSTER', 'FAILOVER']);
    client.destroy();
    await running.done;
    const { acknowledged, statuses } = running;
    const lost = (await Promise.all(acknowledged.map(async (session) => ((await readable(app.url, session)) ? [] : [session])))).flat();
    expect(lost).toEqual([]);
    expect(statuses.get(500) ?? 0).toBe(0);
    expect(await mastersSeenBy(cluster, 0)).toContain(cluster.urls[replica]);
  }, 60_000);

  it('with a replica down, its master\'s writes answer 503 with Retry-After instead of a 200 that a failover could undo; back up, 200 again', async () => {
    const masters = await mastersSeenBy(cluster, 0);
    const replica = cluster.urls.findIndex((url) => !masters.includes(url));
    await cluster.stop(replica, 'SIGKILL');
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const started = await fetch(`${app.url}/session`, { method: 'POST' });
        statuses.push(started.status);
        if (started.status === 503) expect(started.headers.get('retry-after')).toBe('1');
        if (started.status !== 201) continue;
        const uploaded = await upload(app.url, ((await started.json()) as { key: string }).key, photo);
        statuses.push(uploaded.status);
        if (uploaded.status === 503) expect(uploaded.headers.get('retry-after')).toBe('1');
      }
      expect(statuses).toContain(503);
      expect(statuses).toContain(200);
      expect(statuses.filter((status) => ![200, 201, 503].includes(status))).toEqual([]);
    } finally {
      await cluster.start(replica);
    }
    const backAt = performance.now();
    const back = load(app.url, 2, () => performance.now() - backAt > 2000);
    await back.done;
    expect([...back.statuses.keys()].sort()).toEqual([200, 201]);
  }, 60_000);
});
