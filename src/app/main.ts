import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../adapters/http/httpServer.ts';
import { compose } from './compose.ts';
import { loadConfig, orExit, startupWarnings } from './config.ts';
import { exitGracefullyOnSignals } from './gracefulShutdown.ts';
import { createLogger } from './logger.ts';

const config = orExit(loadConfig);

const logger = createLogger(config.LOG_LEVEL);
for (const warning of startupWarnings()) logger.warn(warning);
const service = compose(config, logger);
const server = createHttpServer(service.app).listen(config.PORT, config.HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info(
    { port, host: config.HOST, storage: config.STORAGE, cache: config.CACHE, encoder: config.ENCODER_URL === undefined ? 'built-in' : 'http' },
    'face-sessions listening',
  );
});

const metricsServer = service.metricsApp && createHttpServer(service.metricsApp).listen(config.METRICS_PORT, config.HOST, () => {
  logger.info({ port: config.METRICS_PORT, host: config.HOST }, 'metrics listening');
});

exitGracefullyOnSignals(server, service, logger, config.SHUTDOWN_GRACE_MS, metricsServer);
