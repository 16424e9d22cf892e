import type { Context, Middleware, Next } from 'koa';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { Failure } from '../../domain/Failure.ts';

export interface RateLimiters {
  readonly sessionsPerAddress?: RateLimiterAbstract;
  readonly requestsPerKey?: RateLimiterAbstract;
}

/**
 * Consumes one point from `limiter` for the caller `keyOf` names (no name: not
 * limited here). Out of points: 429 rate_limited with Retry-After.
 */
export function rateLimit(limiter: RateLimiterAbstract, keyOf: (ctx: Context) => string | undefined): Middleware {
  return async function limitRate(ctx: Context, next: Next) {
    const key = keyOf(ctx);
    if (key !== undefined) {
      try {
        await limiter.consume(key);
      } catch (rejection) {
        // The limiters have an in-memory insurance limiter, so a store outage never lands here.
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        throw new Failure('rate_limited', 'Too many requests; slow down and retry after the time in Retry-After.', {
          retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
        });
      }
    }
    await next();
  };
}
