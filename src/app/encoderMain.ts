import type { AddressInfo } from 'node:net';
import { LocalFaceEncoder } from '../adapters/encoder/LocalFaceEncoder.ts';
import { createEncoderApp } from '../adapters/http/createEncoderApp.ts';
import { createHttpServer } from '../adapters/http/httpServer.ts';
import { loadEncoderServiceConfig, orExit, startupWarnings } from './config.ts';
import { exitGracefullyOnSignals } from './gracefulShutdown.ts';
import { createLogger } from './logger.ts';

// `npm run encoder`: the built-in face model as a standalone service with the original encoder's contract.
const config = orExit(loadEncoderServiceConfig);

const logger = createLogger(config.LOG_LEVEL);
for (const warning of startupWarnings()) logger.warn(warning);
const encoder = new LocalFaceEncoder({
  threads: config.ENCODER_THREADS,
  maxQueue: config.ENCODER_QUEUE,
  maxInputPixels: config.MAX_INPUT_PIXELS,
  modelCacheFolder: config.MODEL_CACHE_DIR,
  intraOpThreads: config.ENCODER_INTRA_OP_THREADS,
  onError: (error) => logger.error({ err: error }, 'face encoder thread failed'),
  onWarning: (detail) => logger.warn(detail),
});
const app = createEncoderApp({ encoder, maxFaces: config.MAX_FACES, maxUploadBytes: config.MAX_UPLOAD_BYTES, logger });
const server = createHttpServer(app).listen(config.PORT, config.HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ port, host: config.HOST, threads: config.ENCODER_THREADS }, 'face encoder listening');
});

// The encoder service has no readiness state to flip: draining is stopping to accept.
exitGracefullyOnSignals(server, { drain: () => undefined, close: () => encoder.close() }, logger, config.SHUTDOWN_GRACE_MS);
