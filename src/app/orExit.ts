import { SealMismatchError } from '../adapters/SealMismatchError.ts';
import { ConfigError } from './config.ts';

export function orExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof SealMismatchError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
