import { availableParallelism } from 'node:os';
import { z } from 'zod';

const MiB = 1024 * 1024;

const integer = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

/** SPEC.md's configuration table, read once at start. */
const schema = z.object({
  PORT: integer(8001, 0).pipe(z.number().max(65535)),
  HOST: z.string().min(1).default('0.0.0.0'),
  STORAGE: z.enum(['memory', 'sqlite']).default('sqlite'),
  SQLITE_PATH: z.string().min(1).default('./data/faces.db'),
  CACHE: z.enum(['memory']).default('memory'),
  CACHE_MAX_ENTRIES: integer(10_000),
  ENCODER_THREADS: integer(availableParallelism()),
  SESSION_IMAGE_LIMIT: integer(5),
  MAX_FACES: integer(5),
  MAX_UPLOAD_BYTES: integer(10 * MiB),
  MAX_INPUT_PIXELS: integer(50_000_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the environment; a bad value stops the start with one line per problem.
 * Empty variables count as unset, so `PORT=` in a .env file means the default.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return `  ${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
