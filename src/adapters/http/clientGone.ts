import type { Context } from 'koa';

/** nginx's "client closed request": nobody reads it, and it is not the service's failure. */
const CLIENT_CLOSED_REQUEST = 499;

/** The signal aborts when the client leaves before its answer; then, whatever `work` did, this answers 499 and resolves to undefined. */
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
