import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';
import { SEAL_SECRET_BYTES } from '../ports/Cipher.ts';
import { missingMallocSettings } from './mallocSettings.ts';

export type TrustedProxies = false | { readonly hops: number } | { readonly addresses: readonly string[] };

const MiB = 1024 * 1024;
export const ENCODER_TOKEN_MIN_LENGTH = 16;
/** Beside the data folder, not in it: a copy of ./data alone must not carry the secret that opens it. */
const DEFAULT_SEAL_SECRET_FILE = './secrets/seal.key';

const integer = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);
const port = (fallback: number) => integer(fallback, 0).pipe(z.number().max(65535));

const trustedProxies = z
  .string()
  .default('false')
  .transform((value, ctx): TrustedProxies => {
    const text = value.trim();
    if (text === 'false') return false;
    if (/^\d+$/.test(text) && Number(text) >= 1) return { hops: Number(text) };
    if (text === 'true') {
      ctx.addIssue({ code: 'custom', message: 'trusting every X-Forwarded-For lets any client pick its address: give the number of proxies in front (1) or their addresses' });
      return z.NEVER;
    }
    const addresses = text.split(',').map((entry) => entry.trim()).filter(Boolean);
    try {
      proxyAddr.compile(addresses);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not an address, CIDR range or name: ${(error as Error).message}` });
      return z.NEVER;
    }
    return { addresses };
  });

const modelSettings = {
  /** One worker of 1 thread per core: on 2 cores, 2x1 ran 31 images/s, 1x2 ran 20; each worker costs ~60 MB. */
  ENCODER_THREADS: integer(availableParallelism()),
  ENCODER_INTRA_OP_THREADS: integer(1),
  MAX_FACES: integer(5),
  MAX_UPLOAD_BYTES: integer(10 * MiB),
  MAX_INPUT_PIXELS: integer(50_000_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_GRACE_MS: integer(20_000, 0),
  ENCODER_TOKEN: z.string().min(ENCODER_TOKEN_MIN_LENGTH, `must be at least ${ENCODER_TOKEN_MIN_LENGTH} characters (openssl rand -hex 32 makes one)`).optional(),
  ENCODER_TOKEN_FILE: z.string().min(1).optional(),
};

const oneEncoderToken: [(config: { ENCODER_TOKEN?: string | undefined; ENCODER_TOKEN_FILE?: string | undefined }) => boolean, { path: string[]; message: string }] = [
  (config) => config.ENCODER_TOKEN === undefined || config.ENCODER_TOKEN_FILE === undefined,
  { path: ['ENCODER_TOKEN_FILE'], message: 'set ENCODER_TOKEN or ENCODER_TOKEN_FILE, not both' },
];

const redisUrl = z.url({ protocol: /^rediss?$/ });

export const sealSecret = z
  .base64('must be base64 (openssl rand -base64 32)')
  .transform((text) => Buffer.from(text, 'base64'))
  .refine((bytes) => bytes.byteLength >= SEAL_SECRET_BYTES, `must decode to at least ${SEAL_SECRET_BYTES} bytes (openssl rand -base64 32)`)
  .refine((bytes) => bytes.some((byte) => byte !== bytes[0]), 'is one byte over and over (all zeros, say), which is no secret (openssl rand -base64 32)');

const schema = z.object({
  ...modelSettings,
  PORT: port(8001),
  HOST: z.string().min(1).default('0.0.0.0'),
  METRICS_PORT: port(9464),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  STORAGE: z.enum(['memory', 'sqlite', 'redis']).default('sqlite'),
  SQLITE_PATH: z.string().min(1).default('./data/faces.db'),
  CACHE: z.enum(['memory', 'redis']).default('memory'),
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((list) => list.split(',').map((url) => url.trim()).filter((url) => url !== ''))
    .pipe(z.array(redisUrl).min(1))
    .optional(),
  /** No braces: they set Redis Cluster hash slots. */
  REDIS_KEY_PREFIX: z.string().regex(/^[^{}]*$/).default('faces:'),
  REDIS_REPLICA_ACKS: integer(0, 0),
  /** Below the 2 s every Redis command is bounded by. */
  REDIS_REPLICA_ACK_TIMEOUT_MS: z.coerce.number().int().min(1).max(1500).default(500),
  CACHE_MAX_ENTRIES: integer(10_000),
  SEAL_SECRET: sealSecret.optional(),
  SEAL_SECRET_FILE: z.string().min(1).optional(),
  SEAL_SECRET_PREVIOUS: sealSecret.optional(),
  SEAL_SECRET_PREVIOUS_FILE: z.string().min(1).optional(),
  ENCODER_URL: z.url({ protocol: /^https?$/ }).optional(),
  ENCODER_TIMEOUT_MS: integer(10_000),
  ENCODER_WAIT_BUDGET_MS: z.coerce.number().int().min(0).optional(),
  SESSION_IMAGE_LIMIT: integer(5),
  /** Euclidean distance in face-api's encoding space. */
  MATCH_THRESHOLD: z.coerce.number().gt(0).max(2).default(0.6),
  SESSION_TTL_SECONDS: integer(24 * 60 * 60, 0).transform((seconds) => (seconds === 0 ? undefined : seconds)),
  RATE_LIMIT_SESSIONS_PER_MINUTE: integer(30, 0),
  RATE_LIMIT_REQUESTS_PER_MINUTE: integer(300, 0),
  RATE_LIMIT_UNAUTHORIZED_PER_MINUTE: integer(30, 0),
  RATE_LIMIT_ENCODES_PER_SESSION_PER_HOUR: integer(30, 0),
  RATE_LIMIT_ENCODES_PER_ADDRESS_PER_HOUR: integer(120, 0),
  MAX_UPLOADS_IN_FLIGHT_PER_KEY: z.coerce.number().int().min(0).optional(),
  MAX_UPLOADS_IN_FLIGHT_PER_ADDRESS: integer(8, 0),
  MAX_UPLOAD_BUFFER_BYTES: z.coerce.number().int().min(1).optional(),
  TRUST_PROXY: trustedProxies,
  WEB_CONCURRENCY: z.coerce.number().int().min(1).optional(),
  /** Set by the primary for the one HTTP worker that sweeps idle sessions; not for operators. */
  FACE_SESSIONS_SWEEPER: z.stringbool().default(false),
})
  .refine((config) => config.METRICS_PORT === 0 || config.METRICS_PORT !== config.PORT, {
    path: ['METRICS_PORT'],
    message: 'must differ from PORT: /metrics has a server of its own',
  })
  .refine(...oneEncoderToken)
  .refine((config) => config.SEAL_SECRET === undefined || config.SEAL_SECRET_FILE === undefined, {
    path: ['SEAL_SECRET_FILE'],
    message: 'set SEAL_SECRET or SEAL_SECRET_FILE, not both',
  })
  .refine((config) => config.SEAL_SECRET_PREVIOUS === undefined || config.SEAL_SECRET_PREVIOUS_FILE === undefined, {
    path: ['SEAL_SECRET_PREVIOUS_FILE'],
    message: 'set SEAL_SECRET_PREVIOUS or SEAL_SECRET_PREVIOUS_FILE, not both',
  })
  .refine((config) => config.MAX_UPLOAD_BUFFER_BYTES === undefined || config.MAX_UPLOAD_BUFFER_BYTES >= config.MAX_UPLOAD_BYTES, {
    path: ['MAX_UPLOAD_BUFFER_BYTES'],
    message: 'must be at least MAX_UPLOAD_BYTES, or no upload of the largest size could be taken',
  })
  .refine((config) => config.STORAGE !== 'memory' || (config.WEB_CONCURRENCY ?? 1) === 1, {
    path: ['WEB_CONCURRENCY'],
    message: 'must be 1 with STORAGE=memory: each process would hold sessions of its own',
  })
  .transform((config) => ({
    ...config,
    ENCODER_WAIT_BUDGET_MS: config.ENCODER_WAIT_BUDGET_MS ?? config.ENCODER_TIMEOUT_MS,
    MAX_UPLOADS_IN_FLIGHT_PER_KEY: config.MAX_UPLOADS_IN_FLIGHT_PER_KEY ?? config.SESSION_IMAGE_LIMIT,
    MAX_UPLOAD_BUFFER_BYTES: config.MAX_UPLOAD_BUFFER_BYTES ?? 12 * config.MAX_UPLOAD_BYTES,
    WEB_CONCURRENCY: config.WEB_CONCURRENCY ?? (config.STORAGE === 'memory' ? 1 : availableParallelism()),
    SEAL_SECRET_FILE: config.SEAL_SECRET_FILE ?? DEFAULT_SEAL_SECRET_FILE,
  }));

/** The wait budget defaults to the API's default ENCODER_TIMEOUT_MS, the longest an API waits for it. */
const encoderServiceSchema = z.object({
  ...modelSettings,
  PORT: port(8000),
  HOST: z.string().min(1).default('127.0.0.1'),
  ENCODER_WAIT_BUDGET_MS: integer(10_000, 0),
  ENCODER_ALLOW_NO_TOKEN: z.stringbool().default(false),
})
  .refine(...oneEncoderToken)
  .refine(
    (config) => isLoopback(config.HOST) || config.ENCODER_TOKEN !== undefined || config.ENCODER_TOKEN_FILE !== undefined || config.ENCODER_ALLOW_NO_TOKEN,
    {
      path: ['HOST'],
      message:
        'is beyond loopback, and the encoder has no token: anyone who reaches it could encode without limit. Set ENCODER_TOKEN or ENCODER_TOKEN_FILE (and the same for the API), or ENCODER_ALLOW_NO_TOKEN=true on a private network you trust',
    },
  );

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  return ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback';
}

export type Config = z.infer<typeof schema>;
export type EncoderServiceConfig = z.infer<typeof encoderServiceSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Empty variables count as unset, except the sealing ones, refused: unset, they would quietly make a new secret that opens none of the data. */
export function loadConfig(env: Env = process.env): Config {
  const empty = ['SEAL_SECRET', 'SEAL_SECRET_FILE', 'SEAL_SECRET_PREVIOUS', 'SEAL_SECRET_PREVIOUS_FILE'].filter((name) => env[name] === '');
  if (empty.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${empty.map((name) => `  ${name}: is set but empty; unset it, or give it a value`).join('\n')}`);
  }
  return parse(schema, env);
}

export function loadEncoderServiceConfig(env: Env = process.env): EncoderServiceConfig {
  return parse(encoderServiceSchema, env);
}

export function startupWarnings(env: Env = process.env): string[] {
  const missing = missingMallocSettings(env);
  return missing.length === 0
    ? []
    : [`glibc malloc settings missing (${missing.join(' ')}): expect RSS ~120 MB higher; npm start and the Docker image set them`];
}


type Env = Record<string, string | undefined>;

function parse<T extends z.ZodType>(schema: T, env: Env): z.infer<T> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '');
      // URLs may carry credentials, and secrets and tokens are secret: name them, never print them.
      const value = /_(URL|NODES|SECRET|TOKEN)$/.test(name) ? '' : `=${JSON.stringify(env[name] ?? '')}`;
      return `  ${name}${value}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
