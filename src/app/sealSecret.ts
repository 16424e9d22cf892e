import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { SEAL_SECRET_BYTES } from '../adapters/crypto/NodeCipher.ts';
import { type Config, ConfigError, sealSecret } from './config.ts';
import { readOrCreateSecretFile } from './secretFile.ts';

/**
 * The server-held sealing secret: SEAL_SECRET, or what SEAL_SECRET_FILE holds (base64),
 * created with a new random secret when missing. Losing the secret loses every stored
 * face; a different one is refused by storage sealed under another (SealMismatchError).
 * Never logged.
 */
export function loadSealSecret(config: Pick<Config, 'SEAL_SECRET' | 'SEAL_SECRET_FILE'>, logger: Logger): Buffer {
  if (config.SEAL_SECRET) return config.SEAL_SECRET;
  const path = config.SEAL_SECRET_FILE;
  const text = readOrCreateSecretFile(
    {
      setting: 'SEAL_SECRET_FILE',
      path,
      generate: () => randomBytes(SEAL_SECRET_BYTES).toString('base64'),
      created: 'created a new sealing secret: back this file up apart from the data; without it nothing stored can be opened',
    },
    logger,
  );
  const parsed = sealSecret.safeParse(text);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration:\n  SEAL_SECRET_FILE: what ${path} holds ${parsed.error.issues[0]?.message ?? 'is no secret'}`);
  }
  return parsed.data;
}
