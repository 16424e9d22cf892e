import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * JSON logs to stdout. Redaction is a second line of defence: nothing logs headers,
 * but if anything ever logs an object with a key in it, the key is censored.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'face-sessions' },
    redact: { paths: ['key', '*.key', 'authorization', '*.authorization', 'headers', '*.headers'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
