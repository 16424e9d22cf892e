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
