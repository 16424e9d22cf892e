import { createClient, createCluster } from '@keyv/redis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

export type RedisNodeClient = ReturnType<typeof createNodeClient>;
export type RedisClusterClient = ReturnType<typeof createClusterClient>;
export type RedisClient = RedisNodeClient | RedisClusterClient;

export type RedisTarget = { readonly url: string } | { readonly clusterNodes: readonly string[] };

export interface RedisClientOptions {
  readonly logger: Logger;
  readonly commandTimeoutMs?: number;
}

const reconnectStrategy = (retries: number) => Math.min(100 * 2 ** retries, 2000) + Math.random() * 100;

/** Never makes a request wait: commands fail at once while disconnected, and it reconnects in the background (docs/adr/0006-redis.md). */
export function createRedisClient(options: RedisClientOptions & { url: string }): RedisNodeClient;
export function createRedisClient(options: RedisClientOptions & { clusterNodes: readonly string[] }): RedisClusterClient;
export function createRedisClient(options: RedisClientOptions & RedisTarget): RedisClient;
export function createRedisClient(options: RedisClientOptions & RedisTarget): RedisClient {
  return 'url' in options ? createNodeClient(options.url, options) : createClusterClient(options.clusterNodes, options);
}

const nodeOptions = { disableOfflineQueue: true, socket: { connectTimeout: 2000, reconnectStrategy } };

function createNodeClient(url: string, options: RedisClientOptions) {
  const client = createClient({
    url,
    ...nodeOptions,
    commandOptions: { timeout: options.commandTimeoutMs ?? 2000 },
  });
  const outage = outageLog(options.logger, 'redis');
  // Without a listener an 'error' event would crash the process.
  client.on('error', outage.failed);
  client.on('ready', outage.restored);
  // Not awaited: the service starts (and reports not ready) even if Redis is not up yet.
  client.connect().catch((error: unknown) => options.logger.error({ err: error }, 'redis connect failed'));
  return client;
}

function createClusterClient(seeds: readonly string[], options: RedisClientOptions) {
  const cluster = createCluster({
    rootNodes: seeds.map((url) => ({ url })),
    defaults: nodeOptions,
    commandOptions: { timeout: options.commandTimeoutMs ?? 2000 },
  });
  const outage = outageLog(options.logger, 'redis cluster');
  cluster.on('error', outage.failed);
  cluster.on('connect', () => outage.restored());
  cluster.on('node-error', (error: unknown, node: { host: string; port: number }) => outage.failed(error, `${node.host}:${node.port}`));
  cluster.on('node-ready', (node: { host: string; port: number }) => outage.restored(`${node.host}:${node.port}`));
  // Unlike a node client, the cluster client gives up if no seed answers at start: keep retrying in the background.
  let closed = false;
  cluster.on('disconnect', () => (closed = true));
  const connect = (attempt: number): void => {
    if (closed) return;
    cluster.connect().catch((error: unknown) => {
      if (attempt === 0) options.logger.error({ err: error }, 'redis cluster connect failed; retrying');
      setTimeout(() => connect(attempt + 1), reconnectStrategy(attempt)).unref();
    });
  };
  connect(0);
  followFailovers(cluster, seeds, options.logger, () => closed);
  return cluster;
}

const FOLLOW_BACKOFF_MS = [50, 100, 200, 400, 800, 1000];

/** node-redis refreshes its slot map only on MOVED/ASK, which a dead master never sends (node-redis #2806; docs/adr/0008-processes-and-scaling.md). */
function followFailovers(cluster: RedisClusterClient, seeds: readonly string[], logger: Logger, closed: () => boolean): void {
  // The slot map's own rediscovery, which node-redis runs on MOVED; not in its typings.
  const slots = (cluster as unknown as { _slots: { rediscover(startWith: { options?: object }): Promise<void> } })._slots;
  let following = false;
  const mastersReady = () => cluster.masters.length > 0 && cluster.masters.every((master) => master.client?.isReady === true);
  const follow = async () => {
    if (following || closed()) return;
    following = true;
    const lostAt = performance.now();
    try {
      for (let attempt = 0; !closed(); attempt++) {
        await sleep(FOLLOW_BACKOFF_MS[Math.min(attempt, FOLLOW_BACKOFF_MS.length - 1)]!);
        if (closed()) return;
        const start = cluster.masters.find((master) => master.client?.isReady)?.client ?? { options: { url: seeds[attempt % seeds.length] } };
        await slots.rediscover(start).catch(() => undefined);
        if (mastersReady()) {
          if (attempt > 0) logger.info({ masters: cluster.masters.length, ms: Math.round(performance.now() - lostAt) }, 'redis cluster slot map follows the cluster again');
          return;
        }
      }
    } finally {
      following = false;
    }
  };
  cluster.on('node-error', () => void follow());
  cluster.on('node-disconnect', () => void follow());
}

// node-redis reports a cluster node's first 'ready' only, so a node still down is logged again at most this often.
const RELOG_OUTAGE_MS = 30_000;

function outageLog(logger: Logger, what: string) {
  const loggedAt = new Map<string, number>();
  return {
    failed(error: unknown, node = '') {
      const last = loggedAt.get(node);
      if (last !== undefined && performance.now() - last < RELOG_OUTAGE_MS) return;
      logger.error({ err: error, ...(node && { node }) }, `${what} connection lost`);
      loggedAt.set(node, performance.now());
    },
    restored(node = '') {
      if (loggedAt.delete(node)) logger.info({ ...(node && { node }) }, `${what} connection restored`);
    },
  };
}

/** Throws when no master answers, `degraded` when some do not: failing readiness on every instance would make a partial outage whole. */
export async function pingRedis(client: RedisClient): Promise<'degraded' | undefined> {
  if (!('masters' in client)) {
    await client.ping();
    return undefined;
  }
  if (client.masters.length === 0) throw new Error('the cluster has not been discovered yet');
  const pings = await Promise.allSettled(client.masters.map(async (master) => (await client.nodeClient(master)).ping()));
  const failed = pings.filter((ping) => ping.status === 'rejected');
  if (failed.length === pings.length) throw new AggregateError(failed.map((ping) => ping.reason), 'no master of the cluster answers');
  return failed.length > 0 ? 'degraded' : undefined;
}

/** For a single server, 1 while it is down. */
export function unreachableMasters(client: RedisClient): number {
  if (!('masters' in client)) return client.isReady ? 0 : 1;
  return client.masters.filter((master) => master.client?.isReady !== true).length;
}

export async function* scanKeys(redis: RedisClient, pattern: string): AsyncGenerator<string[]> {
  const nodes = 'masters' in redis ? await Promise.all(redis.masters.map((master) => redis.nodeClient(master))) : [redis];
  for (const node of nodes) yield* node.scanIterator({ MATCH: pattern, COUNT: 500 });
}
