import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pino from 'pino';
import { createRedisClient, type RedisNodeClient } from '../../src/adapters/redis/createRedisClient.ts';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const quietLogger = pino({ level: 'silent' });

async function answers(url: string): Promise<boolean> {
  const client = createRedisClient({ url, logger: quietLogger });
  try {
    // Generous: a loaded machine can take a moment to connect, and in CI a false "no Redis" fails the run.
    for (let attempt = 0; attempt < 100 && !client.isReady; attempt++) await new Promise((r) => setTimeout(r, 50));
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

/** Redis suites run whenever Redis answers; in CI they must, so a missing Redis fails the run. */
export const hasRedis = await answers(redisUrl);
if (!hasRedis) {
  if (process.env.CI) throw new Error(`CI: no Redis answers at ${redisUrl}; .ci/run should have started one.`);
  console.warn(`\n!!! SKIPPING Redis tests: nothing answers at ${redisUrl} (set REDIS_URL, or run bash .ci/run) !!!\n`);
}

/** The outage and cluster tests start redis-server themselves (and redis-cli builds the cluster). */
export const hasRedisServer = ['redis-server', 'redis-cli'].every((binary) => spawnSync(binary, ['--version']).status === 0);
if (!hasRedisServer) {
  if (process.env.CI) throw new Error('CI: redis-server or redis-cli is not installed; .ci/run should have installed them.');
  console.warn('\n!!! SKIPPING the Redis outage and cluster tests: no redis-server or redis-cli (apt-get install redis-server) !!!\n');
}

/** A key prefix no other test uses. */
export function freshPrefix(): string {
  return `test:${randomBytes(6).toString('hex')}:`;
}

/** A connected client, ready for commands. */
export async function connectedClient(url = redisUrl): Promise<RedisNodeClient> {
  const client = createRedisClient({ url, logger: quietLogger });
  const deadline = Date.now() + 10_000;
  while (!client.isReady) {
    if (Date.now() > deadline) throw new Error(`no Redis ready at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return client;
}

/** Deletes every key under `prefix`, so tests leave the shared Redis as they found it. */
export async function deletePrefix(prefix: string, url = redisUrl): Promise<void> {
  const client = await connectedClient(url);
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.del(keys);
    }
  } finally {
    client.destroy();
  }
}

/** A private redis-server on a free port, persisting to `dir` (AOF, every write synced), so it can be stopped and started again. */
export async function startRedisServer(port: number, dir: string): Promise<ChildProcess> {
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
  const client = await connectedClient(`redis://127.0.0.1:${port}`);
  client.destroy();
  return server;
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Keys as the layout before sealing (version 1, ce461de) wrote them: encodings in plain JSON. */
export async function writeVersion1Layout(
  client: RedisNodeClient,
  prefix: string,
  session: { keyHash: string; images: readonly { sha256: string; faces: unknown[] }[] },
): Promise<void> {
  const tag = `${prefix}{s:${session.keyHash}}`;
  await client.set(`${tag}:live`, String(Date.now()));
  for (const image of session.images) {
    await client.set(`${prefix}{e:${image.sha256}}:faces`, JSON.stringify(image.faces), { NX: true });
    await client.incr(`${prefix}{e:${image.sha256}}:refs`);
    await client.rPush(`${tag}:images`, image.sha256);
  }
}
