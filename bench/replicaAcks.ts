// What REDIS_REPLICA_ACKS=1 (WAIT for a replica after every write) costs on a real Redis
// Cluster of 3 masters with a replica each: the same runs with and without it.
import autocannon from 'autocannon';
import { hasRedisServer } from '../test/support/redis.ts';
import { startRedisCluster } from '../test/support/redisCluster.ts';
import { oneFaceJpegs } from './images.ts';
import { multipart } from './multipart.ts';
import { startService } from './service.ts';

export interface ReplicaAckRow {
  readonly run: string;
  readonly acks: number;
  readonly throughput: string;
  readonly p50: string;
  readonly p99: string;
}

/** Rows for each run, without then with the durability step; empty when redis-server is not installed. */
export async function compareReplicaAcks(seconds: number, progress: (message: string) => void): Promise<ReplicaAckRow[]> {
  if (!hasRedisServer) return [];
  progress('a Redis Cluster of 3 masters with a replica each');
  const cluster = await startRedisCluster(3, 1);
  const photos = await oneFaceJpegs(80);
  const rows: ReplicaAckRow[] = [];
  try {
    for (const acks of [0, 1]) {
      const service = await startService({
        STORAGE: 'redis',
        CACHE: 'redis',
        REDIS_CLUSTER_NODES: cluster.urls.join(','),
        REDIS_KEY_PREFIX: `bench-acks-${acks}:`,
        REDIS_REPLICA_ACKS: String(acks),
        WEB_CONCURRENCY: '1',
        LOG_LEVEL: 'warn',
      });
      try {
        const { url } = service;
        const key = ((await (await fetch(`${url}/session`, { method: 'POST' })).json()) as { key: string }).key;
        const held = multipart(photos[0]!);
        if ((await fetch(`${url}/encode`, { method: 'POST', headers: { key, 'content-type': held.contentType }, body: held.body })).status !== 200) {
          throw new Error('the first upload failed');
        }
        progress(`REDIS_REPLICA_ACKS=${acks}: POST /session, a re-upload, cold encodes`);
        for (const [run, options] of [
          ['POST /session', { method: 'POST' as const, url: `${url}/session` }],
          ['POST /encode, a photo the session holds', { method: 'POST' as const, url: `${url}/encode`, headers: { key, 'content-type': held.contentType }, body: held.body }],
        ] as const) {
          const result = await autocannon({ connections: 10, duration: seconds, ...options });
          if (result.non2xx + result.errors > 0) throw new Error(`${run}: ${result.non2xx + result.errors} failed`);
          rows.push({ run, acks, throughput: `${Math.round(result.requests.average)} req/s`, p50: `${result.latency.p50} ms`, p99: `${result.latency.p99} ms` });
        }
        rows.push({ run: 'POST /encode, cold (one 512x512 face, 8 in flight)', acks, ...(await coldEncodes(url, photos.slice(1))) });
      } finally {
        await service.stop();
      }
    }
  } finally {
    await cluster.close();
  }
  return rows;
}

export function replicaAckTable(rows: readonly ReplicaAckRow[]): string {
  if (rows.length === 0) return '(skipped: redis-server is not installed)';
  return [
    '| run | REDIS_REPLICA_ACKS | throughput | p50 | p99 |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.run} | ${row.acks} | ${row.throughput} | ${row.p50} | ${row.p99} |`),
  ].join('\n');
}

async function coldEncodes(url: string, photos: readonly Buffer[]) {
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < photos.length) {
        const photo = photos[next++]!;
        const key = ((await (await fetch(`${url}/session`, { method: 'POST' })).json()) as { key: string }).key;
        const { body, contentType } = multipart(photo);
        const t = performance.now();
        const response = await fetch(`${url}/encode`, { method: 'POST', headers: { key, 'content-type': contentType }, body });
        latencies.push(performance.now() - t);
        if (response.status !== 200) throw new Error(`a cold encode answered ${response.status}`);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (p: number) => `${Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!)} ms`;
  return { throughput: `${(photos.length / ((performance.now() - started) / 1000)).toFixed(1)} images/s`, p50: at(0.5), p99: at(0.99) };
}
