import type { AddressInfo } from 'node:net';
import { createEncoderApp } from '../adapters/http/createEncoderApp.ts';
import { createHttpServer } from '../adapters/http/httpServer.ts';
import { queuedBuiltInEncoder } from './builtInEncoder.ts';
import { loadEncoderServiceConfig, startupWarnings } from './config.ts';
import { orExit } from './orExit.ts';
import { loadEncoderToken } from './encoderToken.ts';
import { exitGracefullyOnSignals } from './gracefulShutdown.ts';
import { createLogger } from './logger.ts';

// `npm run encoder`: the built-in face model as a standalone service with the original encoder's contract.
const config = orExit(loadEncoderServiceConfig);

const logger = createLogger(config.LOG_LEVEL);
for (const warning of startupWarnings()) logger.warn(warning);
const token = orExit(() => loadEncoderToken(config, logger));
const encoder = queuedBuiltInEncoder(config, logger);
const app = createEncoderApp({ encoder, maxFaces: config.MAX_FACES, maxUploadBytes: config.MAX_UPLOAD_BYTES, logger, ...(token !== undefined && { token }) });
const server = createHttpServer(app).listen(config.PORT, config.HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ port, host: config.HOST, threads: config.ENCODER_THREADS, token: token !== undefined }, 'face encoder listening');
});

// The encoder service has no readiness state to flip: draining is stopping to accept.
exitGracefullyOnSignals(server, { drain: () => undefined, close: () => encoder.close() }, logger, config.SHUTDOWN_GRACE_MS);
