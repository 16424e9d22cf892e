import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadEncoderServiceConfig } from '../../src/app/config.ts';

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
    const message = captureError(() => loadConfig({ PORT: '70000', STORAGE: 'postgres', MAX_FACES: '0', LOG_LEVEL: 'loud' }));
    const lines = message.split('\n').slice(1);
    expect(lines).toHaveLength(4);
    for (const shown of ['PORT="70000"', 'STORAGE="postgres"', 'MAX_FACES="0"', 'LOG_LEVEL="loud"']) {
      expect(lines.filter((line) => line.includes(shown))).toHaveLength(1);
    }
  });

  it('names a bad URL without printing it, since URLs can carry credentials', () => {
    const message = captureError(() => loadConfig({ ENCODER_URL: 'ftp://user:secret@encoder' }));
    expect(message).toContain('ENCODER_URL');
    expect(message).not.toContain('secret');
  });

  it('trusts X-Forwarded-For only from the proxies it is told of: a count or addresses, never everyone', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toEqual({ hops: 1 });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback' }).TRUST_PROXY).toEqual({ addresses: ['10.0.0.0/8', 'loopback'] });
    expect(captureError(() => loadConfig({ TRUST_PROXY: 'true' }))).toContain('number of proxies');
    expect(captureError(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99' }))).toContain('TRUST_PROXY');
  });

  it('reads REDIS_CLUSTER_NODES as a list of seed URLs, and names a bad one without printing it', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'redis://10.0.0.1:7000, redis://10.0.0.2:7000,' }).REDIS_CLUSTER_NODES).toEqual([
      'redis://10.0.0.1:7000',
      'redis://10.0.0.2:7000',
    ]);
    expect(loadConfig({}).REDIS_CLUSTER_NODES).toBeUndefined();
    const message = captureError(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis://a:1,http://user:secret@b:2' }));
    expect(message).toContain('REDIS_CLUSTER_NODES');
    expect(message).not.toContain('secret');
  });

  it('ties the encoder wait budget to ENCODER_TIMEOUT_MS unless it is set', () => {
    expect(loadConfig({ ENCODER_TIMEOUT_MS: '4000' }).ENCODER_WAIT_BUDGET_MS).toBe(4000);
    expect(loadConfig({ ENCODER_TIMEOUT_MS: '4000', ENCODER_WAIT_BUDGET_MS: '1500' }).ENCODER_WAIT_BUDGET_MS).toBe(1500);
    expect(loadEncoderServiceConfig({}).ENCODER_WAIT_BUDGET_MS).toBe(10_000);
  });

  it('serves /metrics on a port of its own, on loopback, and refuses a METRICS_PORT that is the API port', () => {
    expect(loadConfig({})).toMatchObject({ METRICS_PORT: 9464, METRICS_HOST: '127.0.0.1' });
    expect(loadConfig({ METRICS_PORT: '9100', METRICS_HOST: '0.0.0.0' })).toMatchObject({ METRICS_PORT: 9100, METRICS_HOST: '0.0.0.0' });
    expect(captureError(() => loadConfig({ PORT: '9000', METRICS_PORT: '9000' }))).toContain('METRICS_PORT');
    // Both on any free port (tests, several instances on one host) is fine.
    expect(loadConfig({ PORT: '0', METRICS_PORT: '0' }).METRICS_PORT).toBe(0);
  });

  it('expires idle sessions after a day unless SESSION_TTL_SECONDS says otherwise; 0 keeps them until cleared', () => {
    expect(loadConfig({}).SESSION_TTL_SECONDS).toBe(86_400);
    expect(loadConfig({ SESSION_TTL_SECONDS: '600' }).SESSION_TTL_SECONDS).toBe(600);
    expect(loadConfig({ SESSION_TTL_SECONDS: '0' }).SESSION_TTL_SECONDS).toBeUndefined();
  });

  it('runs the encoder service on loopback unless HOST is set; the API on every interface', () => {
    expect(loadEncoderServiceConfig({}).HOST).toBe('127.0.0.1');
    expect(loadEncoderServiceConfig({ HOST: '::1' }).HOST).toBe('::1');
    expect(loadEncoderServiceConfig({ HOST: '0.0.0.0', ENCODER_TOKEN_FILE: './encoder.token' }).HOST).toBe('0.0.0.0');
    expect(loadConfig({}).HOST).toBe('0.0.0.0');
  });

  it('refuses to open the encoder service beyond loopback without a token, unless told the network is private', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'encoder.internal']) {
      const message = captureError(() => loadEncoderServiceConfig({ HOST: host }));
      expect(message).toContain('HOST');
      expect(message).toContain('ENCODER_TOKEN');
    }
    expect(loadEncoderServiceConfig({ HOST: '0.0.0.0', ENCODER_TOKEN: 'a'.repeat(32) }).HOST).toBe('0.0.0.0');
    expect(loadEncoderServiceConfig({ HOST: '0.0.0.0', ENCODER_ALLOW_NO_TOKEN: 'true' }).ENCODER_ALLOW_NO_TOKEN).toBe(true);
  });

  it('takes an ENCODER_TOKEN long enough to be a secret, and never prints one it refuses', () => {
    expect(loadConfig({}).ENCODER_TOKEN).toBeUndefined();
    expect(loadEncoderServiceConfig({ ENCODER_TOKEN: 'a'.repeat(32) }).ENCODER_TOKEN).toBe('a'.repeat(32));
    for (const load of [loadConfig, loadEncoderServiceConfig]) {
      const message = captureError(() => load({ ENCODER_TOKEN: 'tooshort' }));
      expect(message).toContain('ENCODER_TOKEN');
      expect(message).not.toContain('tooshort');
      const twice = captureError(() => load({ ENCODER_TOKEN: 'a'.repeat(32), ENCODER_TOKEN_FILE: './encoder.token' }));
      expect(twice).toContain('not both');
      expect(twice).not.toContain('a'.repeat(32));
    }
  });

  it('budgets encodes per session and per address, and failed authentications per address; 0 turns each off', () => {
    expect(loadConfig({})).toMatchObject({
      RATE_LIMIT_UNAUTHORIZED_PER_MINUTE: 30,
      RATE_LIMIT_ENCODES_PER_SESSION_PER_HOUR: 30,
      RATE_LIMIT_ENCODES_PER_ADDRESS_PER_HOUR: 120,
    });
    expect(loadConfig({ RATE_LIMIT_ENCODES_PER_SESSION_PER_HOUR: '0' }).RATE_LIMIT_ENCODES_PER_SESSION_PER_HOUR).toBe(0);
  });

  it('serves HTTP from one process per core, but from one alone on memory storage', () => {
    expect(loadConfig({ STORAGE: 'sqlite' }).WEB_CONCURRENCY).toBe(availableParallelism());
    expect(loadConfig({ STORAGE: 'sqlite', WEB_CONCURRENCY: '3' }).WEB_CONCURRENCY).toBe(3);
    expect(loadConfig({ STORAGE: 'memory' }).WEB_CONCURRENCY).toBe(1);
    expect(captureError(() => loadConfig({ STORAGE: 'memory', WEB_CONCURRENCY: '2' }))).toContain('WEB_CONCURRENCY');
  });

  it('takes the sealing secret from SEAL_SECRET (base64, at least 32 bytes) or, by default, from ./secrets/seal.key', () => {
    expect(loadConfig({}).SEAL_SECRET).toBeUndefined();
    expect(loadConfig({}).SEAL_SECRET_FILE).toBe('./secrets/seal.key');
    expect(loadConfig({ SEAL_SECRET_FILE: '/run/secrets/seal' }).SEAL_SECRET_FILE).toBe('/run/secrets/seal');
    const secret = randomBytes(32);
    expect(loadConfig({ SEAL_SECRET: secret.toString('base64') }).SEAL_SECRET).toEqual(secret);
  });

  it('refuses a sealing secret that is not base64, too short, one byte repeated, empty, or given twice, without printing it', () => {
    const short = randomBytes(31).toString('base64');
    for (const [env, says] of [
      [{ SEAL_SECRET: 'not base64 at all!' }, 'base64'],
      [{ SEAL_SECRET: short }, 'at least 32 bytes'],
      [{ SEAL_SECRET: Buffer.alloc(32).toString('base64') }, 'no secret'],
      [{ SEAL_SECRET: Buffer.alloc(48, 0xab).toString('base64') }, 'no secret'],
      [{ SEAL_SECRET: '' }, 'SEAL_SECRET: is set but empty'],
      [{ SEAL_SECRET_FILE: '' }, 'SEAL_SECRET_FILE: is set but empty'],
      [{ SEAL_SECRET: randomBytes(32).toString('base64'), SEAL_SECRET_FILE: './seal.key' }, 'not both'],
      [{ SEAL_SECRET_PREVIOUS: '' }, 'SEAL_SECRET_PREVIOUS: is set but empty'],
      [{ SEAL_SECRET_PREVIOUS_FILE: '' }, 'SEAL_SECRET_PREVIOUS_FILE: is set but empty'],
      [{ SEAL_SECRET_PREVIOUS: Buffer.alloc(32).toString('base64') }, 'no secret'],
      [{ SEAL_SECRET_PREVIOUS: randomBytes(32).toString('base64'), SEAL_SECRET_PREVIOUS_FILE: './old.key' }, 'not both'],
    ] as const) {
      const message = captureError(() => loadConfig(env));
      expect(message).toContain(says);
      if ('SEAL_SECRET' in env && env.SEAL_SECRET) expect(message).not.toContain(env.SEAL_SECRET);
    }
  });

  it('gives the encoder service its own port default, 8000', () => {
    expect(loadEncoderServiceConfig({}).PORT).toBe(8000);
  });
});

function captureError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}
