import KeyvRedis, { Keyv } from '@keyv/redis';
import type { Logger } from 'pino';
import type { RedisClient } from '../redis/createRedisClient.ts';

/**
 * keyv over Redis (CACHE=redis), shared by every instance. Errors are thrown (both
 * layers would swallow them by default) so KeyvEncodingCache decides per operation.
 */
export function redisKeyv(client: RedisClient, logger: Logger, namespace: string): Keyv<Buffer> {
  const store = new KeyvRedis<Buffer>(client, { namespace, throwOnConnectError: false, throwOnErrors: true });
  const keyv = new Keyv<Buffer>({ store, namespace, useKeyPrefix: false, throwOnErrors: true });
  // keyv also emits what it throws, and an unheard 'error' event would crash the process.
  keyv.on('error', (error: unknown) => logger.debug({ err: error }, 'redis cache error'));
  return keyv;
}

/** Bumped when cached entries stop being readable by this build. 2: sealed under the server-held secret. */
const CACHE_VERSION = '2';

/**
 * Empties the cache once per deployment (recorded in `marker`): builds before the
 * sealing secret cached entries under ids a photo finds, sealed under keys a photo
 * gives. Entries this build cached meanwhile only cost a miss. Returns whether it emptied it.
 */
export async function clearCacheSealedBefore(keyv: Keyv<Buffer>, client: RedisClient, marker: string): Promise<boolean> {
  if ((await client.get(marker)) === CACHE_VERSION) return false;
  await keyv.clear();
  await client.set(marker, CACHE_VERSION);
  return true;
}
