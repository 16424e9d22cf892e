import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { sendProblem } from './problem.ts';

/** Checked before the body is read. Both sides are hashed so the comparison's time leaks neither length nor first wrong character. */
export function requireBearerToken(token: string): Middleware {
  const expected = digest(token);
  return async function bearerToken(ctx, next) {
    const sent = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'))?.[1]?.trim() ?? '';
    if (!timingSafeEqual(digest(sent), expected)) {
      ctx.set('WWW-Authenticate', 'Bearer');
      return sendProblem(ctx, 'unauthorized', 'This encoder needs its token in "Authorization: Bearer <token>".');
    }
    await next();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
