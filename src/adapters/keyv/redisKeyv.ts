import KeyvRedis, { Keyv } from '@keyv/redis';
import type { Logger } from 'pino';
import { type RedisClient, scanKeys } from '../redis/createRedisClient.ts';

/** Throws errors (both keyv layers swallow them by default), so KeyvEncodingCache decides per operation. */
export function redisKeyv(client: RedisClient, logger: Logger, namespace: string): Keyv<Buffer> {
  const store = new KeyvRedis<Buffer>(client, { namespace, keyPrefixSeparator: SEPARATOR, throwOnConnectError: false, throwOnErrors: true });
  const keyv = new Keyv<Buffer>({ store, namespace, useKeyPrefix: false, throwOnErrors: true });
  // keyv also emits what it throws, and an unheard 'error' event would crash the process.
  keyv.on('error', (error: unknown) => logger.debug({ err: error }, 'redis cache error'));
  return keyv;
}

const SEPARATOR = '::';
/** Bumped when cached entries stop being readable by this build. */
const CACHE_VERSION = '2';

/** Older builds cached entries a photo alone finds and opens. Not keyv's clear(): it swallows errors. */
export async function clearCacheSealedBefore(client: RedisClient, namespace: string): Promise<number> {
  const marker = `${namespace}-version`;
  if ((await client.get(marker)) === CACHE_VERSION) return 0;
  const deleted = await emptyCache(client, namespace);
  await client.set(marker, CACHE_VERSION);
  return deleted;
}

export async function emptyCache(client: RedisClient, namespace: string): Promise<number> {
  let deleted = 0;
  // One key at a time: on a cluster they live in different slots.
  for await (const names of scanKeys(client, `${namespace}${SEPARATOR}*`)) for (const name of names) deleted += await client.unlink(name);
  return deleted;
}
