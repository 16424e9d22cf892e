import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { SEAL_SECRET_BYTES } from '../ports/Cipher.ts';
import { type Config, ConfigError, sealSecret } from './config.ts';
import { readOrCreateSecretFile } from './secretFile.ts';

type SealSettings = Pick<Config, 'SEAL_SECRET' | 'SEAL_SECRET_FILE' | 'SEAL_SECRET_PREVIOUS' | 'SEAL_SECRET_PREVIOUS_FILE'>;

/** Throws ConfigError for a secret it cannot read or create, or a previous secret equal to the current one. */
export function sealSecrets(config: SealSettings, logger: Logger): { current: Buffer; previous?: Buffer } {
  const previous = loadPreviousSealSecret(config);
  const current = loadSealSecret(config, logger);
  if (previous?.equals(current)) throw new ConfigError('Invalid configuration:\n  SEAL_SECRET_PREVIOUS: is the current sealing secret; the previous one is the secret before it');
  return { current, ...(previous && { previous }) };
}

/** Never logged. Losing it loses every stored face; storage sealed under another secret refuses it (SealMismatchError). */
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
  return parseSecret(text, 'SEAL_SECRET_FILE', path);
}

/** A missing file is an error: never created. */
function loadPreviousSealSecret(config: Pick<Config, 'SEAL_SECRET_PREVIOUS' | 'SEAL_SECRET_PREVIOUS_FILE'>): Buffer | undefined {
  if (config.SEAL_SECRET_PREVIOUS) return config.SEAL_SECRET_PREVIOUS;
  const path = config.SEAL_SECRET_PREVIOUS_FILE;
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  SEAL_SECRET_PREVIOUS_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
  return parseSecret(text.trim(), 'SEAL_SECRET_PREVIOUS_FILE', path);
}

function parseSecret(text: string, setting: string, path: string): Buffer {
  const parsed = sealSecret.safeParse(text);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration:\n  ${setting}: what ${path} holds ${parsed.error.issues[0]?.message ?? 'is no secret'}`);
  }
  return parsed.data;
}
