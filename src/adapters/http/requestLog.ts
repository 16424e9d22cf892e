import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';

const CLIENT_REQUEST_ID = /^[\w.:-]{1,64}$/;

/** Headers are never logged, so the API key cannot end up in a log line. */
export function requestLog(logger: Logger): Middleware {
  return async function requestLog(ctx, next) {
    const started = performance.now();
    const incoming = ctx.get('x-request-id');
    const requestId = CLIENT_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const line = { reqId: requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms, code: ctx.state.problemCode };
      if (ctx.status >= 500) logger.warn({ ...line, err: ctx.state.problemCause }, 'request failed');
      else logger.info(line, 'request');
    }
  };
}
