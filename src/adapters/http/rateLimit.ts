import type { Context, Middleware, Next } from 'koa';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { Failure } from '../../domain/Failure.ts';

export interface RateLimiters {
  readonly sessionsPerAddress?: RateLimiterAbstract;
  readonly requestsPerKey?: RateLimiterAbstract;
}

/**
 * Consumes one point from `limiter` for the caller `keyOf` names (no name: not
 * limited here). Out of points: 429 rate_limited with Retry-After. A limiter that
 * cannot count (the primary process did not answer in time) lets the request through
 * and says so through `uncounted`: a protection that fails must not take the API down.
 */
export function rateLimit(
  limiter: RateLimiterAbstract,
  keyOf: (ctx: Context) => string | undefined,
  uncounted: (error: unknown) => void,
): Middleware {
  return async function limitRate(ctx: Context, next: Next) {
    const key = keyOf(ctx);
    if (key !== undefined) {
      try {
        await limiter.consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) {
          uncounted(rejection);
          return next();
        }
        throw new Failure('rate_limited', 'Too many requests; slow down and retry after the time in Retry-After.', {
          retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
        });
      }
    }
    await next();
  };
}
