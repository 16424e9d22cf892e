import { SealMismatchError } from '../adapters/SealMismatchError.ts';
import { ConfigError } from './config.ts';

/**
 * For entry points: a bad configuration, or storage sealed under another secret, prints
 * its message and exits 1, without a stack.
 */
export function orExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof SealMismatchError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
