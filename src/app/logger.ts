import pino, { type DestinationStream, type Logger } from 'pino';
import { serializeError } from './serializeError.ts';

/**
 * JSON logs to stdout. Errors go through serializeError, which keeps what says what
 * went wrong and drops what a library attached (got's request with its URL, headers and
 * body). Redaction is a further line of defence: nothing logs headers, but if anything
 * ever logs an object with a key in it, the key is censored.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'face-sessions' },
    serializers: { err: serializeError },
    redact: { paths: ['key', '*.key', 'authorization', '*.authorization', 'headers', '*.headers'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
