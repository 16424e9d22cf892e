import { RateLimiterCluster, RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimiters } from '../adapters/http/rateLimit.ts';
import type { RedisClient } from '../adapters/redis/createRedisClient.ts';

/** Where the counts live: Redis, the instance's primary process, or this process. */
export type RateLimitStore = { readonly redis: RedisClient; readonly keyPrefix: string } | 'primary process' | 'this process';

/**
 * Per-minute limits, shared by every instance through Redis when storage is Redis
 * (falling back to per-process counting while Redis is down); otherwise shared by the
 * instance's HTTP processes through its primary (rate-limiter-flexible's cluster
 * limiter), or counted in memory by the one process. A limit of 0 turns it off.
 */
export function makeRateLimiters(limits: { sessionsPerMinute: number; requestsPerMinute: number }, store: RateLimitStore): RateLimiters {
  const limiter = (name: string, points: number): RateLimiterAbstract | undefined => {
    if (points === 0) return undefined;
    const redis = typeof store === 'object' ? store : undefined;
    const options = { points, duration: 60, keyPrefix: `${redis?.keyPrefix ?? ''}rl:${name}` };
    if (store === 'primary process') return new RateLimiterCluster({ ...options, timeoutMs: 1000 });
    if (!redis) return new RateLimiterMemory(options);
    return new RateLimiterRedis({
      ...options,
      storeClient: redis.redis,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  };
  const sessionsPerAddress = limiter('sessions', limits.sessionsPerMinute);
  const requestsPerKey = limiter('requests', limits.requestsPerMinute);
  return { ...(sessionsPerAddress && { sessionsPerAddress }), ...(requestsPerKey && { requestsPerKey }) };
}
