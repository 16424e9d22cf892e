import type { Context, Middleware, Next } from 'koa';
import type { Limit } from '../limits/Limit.ts';

/** A request `keyOf` names no caller for is not limited here. */
export function rateLimit(limit: Limit, keyOf: (ctx: Context) => string | undefined): Middleware {
  return async function limitRate(ctx: Context, next: Next) {
    const key = keyOf(ctx);
    if (key !== undefined) await limit.take(key);
    await next();
  };
}
