import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';

describe('loadConfig', () => {
  it('defaults to SPEC.md\'s embedded setup', () => {
    expect(loadConfig({})).toMatchObject({
      PORT: 8001,
      HOST: '0.0.0.0',
      STORAGE: 'sqlite',
      SQLITE_PATH: './data/faces.db',
      CACHE: 'memory',
      SESSION_IMAGE_LIMIT: 5,
      MAX_FACES: 5,
      MAX_UPLOAD_BYTES: 10 * 1024 * 1024,
      MAX_INPUT_PIXELS: 50_000_000,
      LOG_LEVEL: 'info',
    });
  });

  it('reads numbers and choices from strings, and treats empty as unset', () => {
    expect(loadConfig({ PORT: '9000', STORAGE: 'memory', MAX_FACES: '', SESSION_IMAGE_LIMIT: '3' })).toMatchObject({
      PORT: 9000,
      STORAGE: 'memory',
      MAX_FACES: 5,
      SESSION_IMAGE_LIMIT: 3,
    });
  });

  it('refuses bad values with one line per variable', () => {
    expect(() => loadConfig({ PORT: '70000', STORAGE: 'postgres', MAX_FACES: '0', LOG_LEVEL: 'loud' })).toThrowError(
      /PORT="70000".*\n.*STORAGE="postgres".*\n.*MAX_FACES="0".*\n.*LOG_LEVEL="loud"/,
    );
  });
});
