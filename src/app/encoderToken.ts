import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ConfigError, ENCODER_TOKEN_MIN_LENGTH, type EncoderServiceConfig } from './config.ts';
import { readOrCreateSecretFile } from './secretFile.ts';

/** Undefined when neither ENCODER_TOKEN nor ENCODER_TOKEN_FILE is set. Never logged. */
export function loadEncoderToken(config: Pick<EncoderServiceConfig, 'ENCODER_TOKEN' | 'ENCODER_TOKEN_FILE'>, logger: Logger): string | undefined {
  if (config.ENCODER_TOKEN !== undefined || config.ENCODER_TOKEN_FILE === undefined) return config.ENCODER_TOKEN;
  const path = config.ENCODER_TOKEN_FILE;
  const token = readOrCreateSecretFile(
    { setting: 'ENCODER_TOKEN_FILE', path, generate: () => randomBytes(32).toString('hex'), created: 'created a new encoder token' },
    logger,
  );
  if (token.length < ENCODER_TOKEN_MIN_LENGTH) {
    throw new ConfigError(`Invalid configuration:\n  ENCODER_TOKEN_FILE: ${path} must hold a token of at least ${ENCODER_TOKEN_MIN_LENGTH} characters`);
  }
  return token;
}
