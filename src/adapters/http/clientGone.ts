import type { Context } from 'koa';

/**
 * nginx's "client closed request": what the log and the metrics show for a request
 * whose client left before its answer. Nobody reads it, and it is not the service's failure.
 */
const CLIENT_CLOSED_REQUEST = 499;

/**
 * Runs `work` with a signal that aborts when the client's connection closes before its
 * answer was sent, so work still queued for the request can be dropped. If the client
 * has gone by the time `work` settles, whatever the outcome, the request is answered 499
 * and this resolves to undefined.
 */
export async function whileClientWaits<T>(ctx: Context, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  const controller = new AbortController();
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished) controller.abort(new Error('The client closed the connection before its answer.'));
  });
  try {
    return await work(controller.signal);
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    ctx.status = CLIENT_CLOSED_REQUEST;
    return undefined;
  }
}
