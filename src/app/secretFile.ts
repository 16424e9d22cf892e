import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from './config.ts';

export interface SecretFile {
  readonly setting: string;
  readonly path: string;
  readonly generate: () => string;
  readonly created: string;
}

/** A missing file is created owner-only, whole or not at all (written aside, hard-linked into place): processes starting at once share the first secret. Never logged. */
export function readOrCreateSecretFile(file: SecretFile, logger: Logger): string {
  let text = readIfThere(file);
  if (text === undefined) {
    create(file, logger);
    text = readFileSync(file.path, 'utf8');
  }
  // Docker and Kubernetes mount secrets 0444 by default: worth a warning, not a refusal.
  if ((statSync(file.path).mode & 0o077) !== 0) logger.warn({ path: file.path }, `${file.setting} is readable by other users than its owner: chmod 600 it`);
  return text.trim();
}

function readIfThere(file: SecretFile): string | undefined {
  try {
    return readFileSync(file.path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`Invalid configuration:\n  ${file.setting}: cannot read ${file.path} (${(error as NodeJS.ErrnoException).code})`);
  }
}

function create(file: SecretFile, logger: Logger): void {
  const folder = dirname(file.path);
  const draft = join(folder, `.${basename(file.path)}.${process.pid}.${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const handle = openSync(draft, 'wx', 0o600);
    try {
      writeSync(handle, `${file.generate()}\n`);
      fsyncSync(handle);
    } finally {
      closeSync(handle);
    }
    linkSync(draft, file.path);
    const dir = openSync(folder, 'r');
    fsyncSync(dir);
    closeSync(dir);
    logger.warn({ path: file.path }, file.created);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Another process got there first: its secret is the one.
    if (code !== 'EEXIST') throw new ConfigError(`Invalid configuration:\n  ${file.setting}: cannot create ${file.path} (${code ?? String(error)})`);
  } finally {
    try {
      unlinkSync(draft);
    } catch {
      // never written
    }
  }
}
