import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import QuickLRU from 'quick-lru';
import { isFailure } from '../../domain/Failure.ts';
import type { Limit } from '../limits/Limit.ts';

/** Addresses this process remembers as out of points: more than any burst of guessers, a few hundred KB. */
const MAX_BLOCKED = 10_000;

/**
 * For the routes that take a key: each request refused as unauthorized costs its client
 * address a point of `limit`. An address out of points gets 429 for every keyed request
 * until its period ends, before its key is even looked up, so guessing keys (or
 * hammering with a dead one) is throttled whatever the keys tried. Who is out of points
 * is remembered here, so those refusals cost no trip to the shared count.
 */
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
