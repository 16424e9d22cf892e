import pino, { type DestinationStream, type Logger } from 'pino';
import { serializeError } from './serializeError.ts';

/** Redaction backs up serializeError: nothing logs headers, but a key in any logged object is censored. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'face-sessions' },
    serializers: { err: serializeError },
    redact: { paths: ['key', '*.key', 'authorization', '*.authorization', 'headers', '*.headers'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
