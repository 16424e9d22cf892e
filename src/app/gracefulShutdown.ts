import type { Server } from 'node:http';
import type { Logger } from 'pino';

export interface Drainable {
  /** From now on /ready answers 503 and responses ask clients to reconnect. */
  drain(): void;
  close(): Promise<void>;
}

/** In-flight requests (an encode included) get up to `graceMs`; a second signal exits at once. */
export function exitGracefullyOnSignals(
  server: Server,
  service: Drainable,
  logger: Logger,
  graceMs: number,
  metricsServer?: Server,
  signals: readonly ('SIGTERM' | 'SIGINT')[] = ['SIGTERM', 'SIGINT'],
): void {
  const shutdown = async (signal: string) => {
    process.once(signal, () => process.exit(1));
    logger.info({ signal, graceMs }, 'shutting down: draining in-flight requests');
    service.drain();
    // Scrapes are cheap and idempotent: nothing to finish there.
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timedOut = await Promise.race([
      drained.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(resolve, graceMs, true).unref()),
    ]);
    if (timedOut) {
      logger.warn('grace period over: closing the connections still open');
      server.closeAllConnections();
    }
    await service.close();
    logger.info('stopped');
    process.exit(0);
  };
  for (const signal of signals) process.once(signal, () => void shutdown(signal));
}
