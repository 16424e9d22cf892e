import { createClient } from '@keyv/redis';
import type { Logger } from 'pino';

export type RedisClient = ReturnType<typeof createRedisClient>;

export interface RedisClientOptions {
  readonly url: string;
  readonly logger: Logger;
  /** Bounds every command, so a hung server answers as an outage instead of a hang. */
  readonly commandTimeoutMs?: number;
}

/**
 * A client that never makes a request wait for Redis: while disconnected, commands
 * fail at once (no offline queue) and the client reconnects in the background with
 * capped backoff, so the service answers 503 during an outage and recovers by itself.
 * The database number in the URL (redis://host:6379/2) is honoured by the client.
 */
export function createRedisClient(options: RedisClientOptions) {
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    commandOptions: { timeout: options.commandTimeoutMs ?? 2000 },
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) + Math.random() * 100,
    },
  });
  let down = false;
  // Without a listener an 'error' event would crash the process; log an outage once, not per retry.
  client.on('error', (error: unknown) => {
    if (!down) options.logger.error({ err: error }, 'redis connection lost');
    down = true;
  });
  client.on('ready', () => {
    if (down) options.logger.info('redis connection restored');
    down = false;
  });
  // Not awaited: the service starts (and reports not ready) even if Redis is not up yet.
  client.connect().catch((error: unknown) => options.logger.error({ err: error }, 'redis connect failed'));
  return client;
}
