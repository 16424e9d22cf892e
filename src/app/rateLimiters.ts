import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimiters } from '../adapters/http/rateLimit.ts';
import type { RedisClient } from '../adapters/redis/createRedisClient.ts';

/**
 * Per-minute limits, shared by every instance through Redis when storage is Redis
 * (falling back to per-process counting while Redis is down), in memory otherwise.
 * A limit of 0 turns that limiter off.
 */
export function makeRateLimiters(
  limits: { sessionsPerMinute: number; requestsPerMinute: number },
  redis: { client: RedisClient; keyPrefix: string } | undefined,
): RateLimiters {
  const limiter = (name: string, points: number): RateLimiterAbstract | undefined => {
    if (points === 0) return undefined;
    const options = { points, duration: 60, keyPrefix: `${redis?.keyPrefix ?? ''}rl:${name}` };
    if (!redis) return new RateLimiterMemory(options);
    return new RateLimiterRedis({
      ...options,
      storeClient: redis.client,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  };
  const sessionsPerAddress = limiter('sessions', limits.sessionsPerMinute);
  const requestsPerKey = limiter('requests', limits.requestsPerMinute);
  return { ...(sessionsPerAddress && { sessionsPerAddress }), ...(requestsPerKey && { requestsPerKey }) };
}
