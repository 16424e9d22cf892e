import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import QuickLRU from 'quick-lru';
import { isFailure } from '../../domain/Failure.ts';
import type { Limit } from '../limits/Limit.ts';

/** More addresses than any burst of guessers, in a few hundred KB. */
const MAX_BLOCKED = 10_000;

/** Refused keys cost their address a point; out of points, it gets 429 before any key is looked up, remembered here to spare the shared count. */
export function limitFailedAuthentication(limit: Limit, addressOf: (request: IncomingMessage) => string): Middleware {
  const blockedUntil = new QuickLRU<string, number>({ maxSize: MAX_BLOCKED });
  return async function failedAuthentication(ctx, next) {
    const address = addressOf(ctx.req);
    const until = blockedUntil.get(address);
    if (until !== undefined && until > Date.now()) throw limit.refusal(Math.ceil((until - Date.now()) / 1000));
    try {
      await next();
    } catch (error) {
      if (!isFailure(error, 'unauthorized')) throw error;
      try {
        await limit.take(address);
      } catch (refusal) {
        if (isFailure(refusal, 'rate_limited')) blockedUntil.set(address, Date.now() + (refusal.retryAfterSeconds ?? 1) * 1000);
        throw refusal;
      }
      throw error;
    }
  };
}
