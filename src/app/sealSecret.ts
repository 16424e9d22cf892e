import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { SEAL_SECRET_BYTES } from '../adapters/crypto/NodeCipher.ts';
import { type Config, ConfigError, sealSecret } from './config.ts';

/**
 * The server-held sealing secret: SEAL_SECRET, or what SEAL_SECRET_FILE holds (base64).
 * A missing file is created with a new random secret, readable by its owner only. The
 * file appears whole or not at all (written aside, then hard-linked into place, which
 * fails if it exists): processes starting at once all end up with the one secret that
 * got there first. Losing the secret loses every stored face; a different one is
 * refused by storage sealed under another (SealMismatchError). Never logged.
 */
export function loadSealSecret(config: Pick<Config, 'SEAL_SECRET' | 'SEAL_SECRET_FILE'>, logger: Logger): Buffer {
  if (config.SEAL_SECRET) return config.SEAL_SECRET;
  const path = config.SEAL_SECRET_FILE;
  let text = readIfThere(path);
  if (text === undefined) {
    createSecretFile(path, logger);
    text = readFileSync(path, 'utf8');
  }
  const parsed = sealSecret.safeParse(text.trim());
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration:\n  SEAL_SECRET_FILE: ${path} must hold at least ${SEAL_SECRET_BYTES} bytes in base64 (openssl rand -base64 32)`);
  }
  // Docker and Kubernetes mount secrets 0444 by default: worth a warning, not a refusal.
  if ((statSync(path).mode & 0o077) !== 0) logger.warn({ path }, 'the sealing secret file is readable by other users than its owner: chmod 600 it');
  return parsed.data;
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`Invalid configuration:\n  SEAL_SECRET_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
}

function createSecretFile(path: string, logger: Logger): void {
  const folder = dirname(path);
  const draft = join(folder, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const file = openSync(draft, 'wx', 0o600);
    try {
      writeSync(file, `${randomBytes(SEAL_SECRET_BYTES).toString('base64')}\n`);
      fsyncSync(file);
    } finally {
      closeSync(file);
    }
    linkSync(draft, path);
    const dir = openSync(folder, 'r');
    fsyncSync(dir);
    closeSync(dir);
    logger.warn({ path }, 'created a new sealing secret: back this file up apart from the data; without it nothing stored can be opened');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Another process got there first: its secret is the one.
    if (code !== 'EEXIST') throw new ConfigError(`Invalid configuration:\n  SEAL_SECRET_FILE: cannot create ${path} (${code ?? String(error)})`);
  } finally {
    try {
      unlinkSync(draft);
    } catch {
      // never written
    }
  }
}
