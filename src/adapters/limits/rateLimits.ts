import { RateLimiterCluster, RateLimiterClusterMaster, RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { Limit, type LimitObserver } from './Limit.ts';
import type { RedisClient } from '../redis/createRedisClient.ts';

export type RateLimitStore = { readonly redis: RedisClient; readonly keyPrefix: string } | 'primary process' | 'this process';

/** 0 turns a limit off. */
export interface LimitSettings {
  readonly sessionsPerMinute: number;
  readonly requestsPerMinute: number;
  readonly unauthorizedPerMinute: number;
  readonly encodesPerSessionPerHour: number;
  readonly encodesPerAddressPerHour: number;
}

export interface Limits {
  readonly sessionsPerAddress?: Limit;
  readonly requestsPerKey?: Limit;
  readonly unauthorizedPerAddress?: Limit;
  readonly encodesPerSession?: Limit;
  readonly encodesPerAddress?: Limit;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;

export function makeLimits(settings: LimitSettings, store: RateLimitStore, observer: LimitObserver): Limits {
  const limit = (name: string, points: number, durationSeconds: number, detail: string): Limit | undefined => {
    if (points === 0) return undefined;
    const redis = typeof store === 'object' ? store : undefined;
    const options = { points, duration: durationSeconds, keyPrefix: `${redis?.keyPrefix ?? ''}rl:${name}` };
    return new Limit({ name, points, durationSeconds, detail }, sharedCount(store, options), observer);
  };
  const tooMany = 'Too many requests; slow down and retry after the time in Retry-After.';
  const limits = {
    sessionsPerAddress: limit('sessions_per_address', settings.sessionsPerMinute, MINUTE, tooMany),
    requestsPerKey: limit('requests_per_key', settings.requestsPerMinute, MINUTE, tooMany),
    unauthorizedPerAddress: limit(
      'unauthorized_per_address',
      settings.unauthorizedPerMinute,
      MINUTE,
      'Too many requests without a valid key from your address; retry after the time in Retry-After.',
    ),
    encodesPerSession: limit(
      'encodes_per_session',
      settings.encodesPerSessionPerHour,
      HOUR,
      'This session has used the face encoder as often as an hour allows; retry after the time in Retry-After.',
    ),
    encodesPerAddress: limit(
      'encodes_per_address',
      settings.encodesPerAddressPerHour,
      HOUR,
      'Your address has used the face encoder as often as an hour allows; retry after the time in Retry-After.',
    ),
  };
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)) as Limits;
}

function sharedCount(store: RateLimitStore, options: { points: number; duration: number; keyPrefix: string }): RateLimiterAbstract {
  if (store === 'primary process') return new RateLimiterCluster({ ...options, timeoutMs: 1000 });
  if (store === 'this process') return new RateLimiterMemory(options);
  // Fails at once while Redis is not connected, so Limit counts in this process instead of waiting.
  return new RateLimiterRedis({ ...options, storeClient: store.redis, useRedisPackage: true, rejectIfRedisNotReady: true });
}

/** Call in an instance's primary process, for the store 'primary process'. */
export function countForWorkers(): void {
  new RateLimiterClusterMaster();
}
