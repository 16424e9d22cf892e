import type { Context } from 'koa';

/**
 * Aborts when the client's connection closes before its answer was sent: nobody is left
 * to read it, so work still queued for the request can be dropped.
 */
export function whileClientWaits(ctx: Context): AbortSignal {
  const controller = new AbortController();
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished) controller.abort(new Error('The client closed the connection before its answer.'));
  });
  return controller.signal;
}

/**
 * The status logged for a request whose client left first (nginx's 499, "client closed
 * request"): no answer reaches anyone, and it was not the service's failure.
 */
export const CLIENT_CLOSED_REQUEST = 499;
