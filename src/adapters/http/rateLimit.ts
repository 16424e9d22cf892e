import type { Context, Middleware, Next } from 'koa';
import type { Limit } from '../limits/Limit.ts';

/**
 * Takes one point from `limit` for the caller `keyOf` names (no name: not limited
 * here); out of points, the request is answered 429 rate_limited with Retry-After.
 */
export function rateLimit(limit: Limit, keyOf: (ctx: Context) => string | undefined): Middleware {
  return async function limitRate(ctx: Context, next: Next) {
    const key = keyOf(ctx);
    if (key !== undefined) await limit.take(key);
    await next();
  };
}
