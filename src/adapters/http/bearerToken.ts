import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { sendProblem } from './problem.ts';

/**
 * Lets a request through only with `Authorization: Bearer <token>`, before its body is
 * read; otherwise 401 problem+json. Both sides are hashed first, so the comparison takes
 * the same time whatever the length or the first wrong character of what was sent.
 */
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
