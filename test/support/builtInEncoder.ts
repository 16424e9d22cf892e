import { LocalFaceEncoder, type LocalFaceEncoderOptions } from '../../src/adapters/encoder/LocalFaceEncoder.ts';
import { loadConfig } from '../../src/app/config.ts';

/** The built-in encoder as the service configures it from `env` (by default, none), with `overrides`. */
export function builtInEncoder(overrides: Partial<LocalFaceEncoderOptions> = {}, env: Record<string, string | undefined> = {}): LocalFaceEncoder {
  const config = loadConfig(env);
  return new LocalFaceEncoder({
    threads: config.ENCODER_THREADS,
    maxInputPixels: config.MAX_INPUT_PIXELS,
    intraOpThreads: config.ENCODER_INTRA_OP_THREADS,
    ...overrides,
  });
}
