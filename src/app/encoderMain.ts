import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../adapters/http/httpServer.ts';
import { composeEncoderService } from './compose.ts';
import { loadEncoderServiceConfig, startupWarnings } from './config.ts';
import { orExit } from './orExit.ts';
import { exitGracefullyOnSignals } from './gracefulShutdown.ts';
import { createLogger } from './logger.ts';

const config = orExit(loadEncoderServiceConfig);

const logger = createLogger(config.LOG_LEVEL);
for (const warning of startupWarnings()) logger.warn(warning);
const service = orExit(() => composeEncoderService(config, logger));
const server = createHttpServer(service.app).listen(config.PORT, config.HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ port, host: config.HOST, threads: config.ENCODER_THREADS, token: service.tokenRequired }, 'face encoder listening');
});

// The encoder service has no readiness state to flip: draining is stopping to accept.
exitGracefullyOnSignals(server, { drain: () => undefined, close: () => service.close() }, logger, config.SHUTDOWN_GRACE_MS);
