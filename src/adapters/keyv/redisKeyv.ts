import KeyvRedis, { Keyv } from '@keyv/redis';
import type { Logger } from 'pino';
import { type RedisClient, scanKeys } from '../redis/createRedisClient.ts';

/**
 * keyv over Redis (CACHE=redis), shared by every instance. Errors are thrown (both
 * layers would swallow them by default) so KeyvEncodingCache decides per operation.
 */
export function redisKeyv(client: RedisClient, logger: Logger, namespace: string): Keyv<Buffer> {
  const store = new KeyvRedis<Buffer>(client, { namespace, keyPrefixSeparator: SEPARATOR, throwOnConnectError: false, throwOnErrors: true });
  const keyv = new Keyv<Buffer>({ store, namespace, useKeyPrefix: false, throwOnErrors: true });
  // keyv also emits what it throws, and an unheard 'error' event would crash the process.
  keyv.on('error', (error: unknown) => logger.debug({ err: error }, 'redis cache error'));
  return keyv;
}

/** Between the namespace and an entry id in each key's name. */
const SEPARATOR = '::';
/** Bumped when cached entries stop being readable by this build. 2: sealed under the server-held secret. */
const CACHE_VERSION = '2';

/**
 * Empties the cache under `namespace` once per deployment (recorded in
 * `<namespace>-version`): builds before the sealing secret cached entries under ids a
 * photo finds, sealed under keys a photo gives. Entries this build cached meanwhile only
 * cost a miss. Returns how many it deleted. (keyv's own clear() swallows its errors.)
 */
export async function clearCacheSealedBefore(client: RedisClient, namespace: string): Promise<number> {
  const marker = `${namespace}-version`;
  if ((await client.get(marker)) === CACHE_VERSION) return 0;
  const deleted = await emptyCache(client, namespace);
  await client.set(marker, CACHE_VERSION);
  return deleted;
}

/** Deletes every cached entry under `namespace` (a re-seal does, rather than sealing copies again); returns how many. */
export async function emptyCache(client: RedisClient, namespace: string): Promise<number> {
  let deleted = 0;
  // One key at a time: on a cluster they live in different slots.
  for await (const names of scanKeys(client, `${namespace}${SEPARATOR}*`)) for (const name of names) deleted += await client.unlink(name);
  return deleted;
}
