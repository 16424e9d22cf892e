import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { IpcPeer } from '../adapters/cluster/IpcPeer.ts';
import { createHttpServer } from '../adapters/http/httpServer.ts';
import { EXIT_CANNOT_RUN, runPrimary } from './clusterPrimary.ts';
import { compose } from './compose.ts';
import { loadConfig, startupWarnings } from './config.ts';
import { orExit } from './orExit.ts';
import { exitGracefullyOnSignals } from './gracefulShutdown.ts';
import { createLogger } from './logger.ts';

const config = orExit(loadConfig);
const logger = cluster.isWorker ? createLogger(config.LOG_LEVEL).child({ worker: cluster.worker!.id }) : createLogger(config.LOG_LEVEL);

if (config.WEB_CONCURRENCY > 1 && cluster.isPrimary) {
  for (const warning of startupWarnings()) logger.warn(warning);
  orExit(() => runPrimary(config, logger));
} else {
  const role = cluster.isWorker ? { primary: IpcPeer.toPrimary(), sweeps: config.FACE_SESSIONS_SWEEPER } : undefined;
  if (!role) for (const warning of startupWarnings()) logger.warn(warning);
  const service = orExit(() => compose(config, logger, role));
  void service.failed.then((error) => {
    logger.fatal(error.message);
    // A worker says so to its primary, which then stops the instance rather than start another.
    process.exit(role ? EXIT_CANNOT_RUN : 1);
  });
  const server = createHttpServer(service.app).listen(config.PORT, config.HOST, () => {
    const { port } = server.address() as AddressInfo;
    logger.info(
      { port, host: config.HOST, storage: config.STORAGE, cache: config.CACHE, encoder: config.ENCODER_URL === undefined ? 'built-in' : 'http' },
      'face-sessions listening',
    );
  });

  const metricsServer = service.metricsApp && createHttpServer(service.metricsApp).listen(config.METRICS_PORT, config.METRICS_HOST, () => {
    logger.info({ port: (metricsServer!.address() as AddressInfo).port, host: config.METRICS_HOST }, 'metrics listening');
  });

  for (const listener of [server, metricsServer]) {
    listener?.once('error', (error: NodeJS.ErrnoException) => {
      const address = listener === server ? `${config.HOST}:${config.PORT}` : `${config.METRICS_HOST}:${config.METRICS_PORT}`;
      logger.fatal({ code: error.code, address }, 'cannot listen');
      process.exit(1);
    });
  }

  // A worker stops when its primary says so (SIGTERM). Ctrl-C in a terminal reaches the
  // whole process group: the primary turns it into that SIGTERM, the worker ignores it.
  if (role) process.on('SIGINT', () => undefined);
  exitGracefullyOnSignals(server, service, logger, config.SHUTDOWN_GRACE_MS, metricsServer, role ? ['SIGTERM'] : undefined);
}
