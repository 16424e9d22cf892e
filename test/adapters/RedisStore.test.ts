import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyvEncodingCache } from '../../src/adapters/keyv/KeyvEncodingCache.ts';
import { redisKeyv } from '../../src/adapters/keyv/redisKeyv.ts';
import type { RedisNodeClient } from '../../src/adapters/redis/createRedisClient.ts';
import { RedisStore } from '../../src/adapters/redis/RedisStore.ts';
import { atRestContract } from '../contracts/atRestContract.ts';
import { sessionStoreContract } from '../contracts/sessionStoreContract.ts';
import { hashApiKey, sha256Hex } from '../../src/domain/hashing.ts';
import {
  connectedClient,
  deletePrefix,
  freePort,
  freshPrefix,
  hasRedis,
  hasRedisServer,
  quietLogger,
  startRedisServer,
  writeVersion1Layout,
} from '../support/redis.ts';

const prefixes: string[] = [];
sessionStoreContract(
  'redis',
  async (expiry) => {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    return new RedisStore(await connectedClient(), prefix, expiry);
  },
  { skip: !hasRedis, afterEach: async () => void (await Promise.all(prefixes.splice(0).map((prefix) => deletePrefix(prefix)))) },
);

describe.skipIf(!hasRedis)('Redis keys of the layout before sealing (version 1)', () => {
  it('are deleted once, keeping sessions and their keys, and nothing of the new layout', async () => {
    const prefix = freshPrefix();
    const client = await connectedClient();
    try {
      const session = hashApiKey(crypto.randomUUID());
      const images = [1, 2].map((n) => ({ sha256: sha256Hex(`image ${n}`), faces: [{ encoding: [0.123456789, n] }] }));
      await writeVersion1Layout(client, prefix, { keyHash: session, images });
      const store = new RedisStore(await connectedClient(), prefix);
      const current = hashApiKey(crypto.randomUUID());
      await store.createSession(current);
      await store.addImage(current, { entryId: 'e'.repeat(64), sealedSecret: Buffer.from('secret') }, Buffer.from('sealed'), 5);

      expect(await store.deleteVersion1Data()).toBe(5);
      const left = await client.keys(`${prefix}*`);
      expect(left.filter((name) => /:faces$|:images$/.test(name) || images.some((image) => name.includes(image.sha256)))).toEqual([]);
      expect(await store.listImages(session)).toEqual([]);
      expect(await store.listImages(current)).toHaveLength(1);
      expect(await store.findEntries(['e'.repeat(64)])).toEqual([Buffer.from('sealed')]);

      await writeVersion1Layout(client, prefix, { keyHash: session, images });
      expect(await store.deleteVersion1Data()).toBe(0); // done once: a marker says so
      await store.close();
    } finally {
      client.destroy();
      await deletePrefix(prefix);
    }
  });
});

// A private redis-server with its append-only file on, so the AOF can be read too.
const dir = mkdtempSync(join(tmpdir(), 'faces-redis-aof-'));
let server: Promise<{ process: ChildProcess; url: string }> | undefined;
const privateServer = () =>
  (server ??= freePort().then(async (port) => ({ process: await startRedisServer(port, dir), url: `redis://127.0.0.1:${port}` })));
afterAll(async () => {
  if (server) {
    const { process } = await server;
    process.kill('SIGTERM');
    await once(process, 'exit');
  }
  rmSync(dir, { recursive: true, force: true });
});

atRestContract(
  'redis',
  async (expiry) => {
    const { url } = await privateServer();
    const prefix = freshPrefix();
    const [storeClient, cacheClient, reader] = await Promise.all([connectedClient(url), connectedClient(url), connectedClient(url)]);
    return {
      store: new RedisStore(storeClient, prefix, expiry),
      cache: new KeyvEncodingCache(redisKeyv(cacheClient, quietLogger, `${prefix}cache`), { ttlMs: 60_000 }),
      raw: [
        { name: 'every Redis key and value', read: () => everyValue(reader, prefix), forgetsDeleted: true },
        { name: 'the AOF', read: async () => appendOnlyFiles(), forgetsDeleted: false },
      ],
      async close() {
        for (const client of [storeClient, cacheClient, reader]) client.destroy();
      },
    };
  },
  { skip: !hasRedisServer },
);

async function everyValue(client: RedisNodeClient, prefix: string): Promise<Buffer> {
  const parts: string[] = [];
  for await (const names of client.scanIterator({ MATCH: `${prefix}*` })) {
    for (const name of names) {
      parts.push(name);
      switch (await client.type(name)) {
        case 'string':
          parts.push((await client.get(name)) ?? '');
          break;
        case 'list':
          parts.push(...(await client.lRange(name, 0, -1)));
          break;
        case 'zset':
          parts.push(...(await client.zRange(name, 0, -1)));
          break;
        default:
          throw new Error(`${name}: a type this test does not read yet`);
      }
    }
  }
  return Buffer.from(parts.join('\n'));
}

function appendOnlyFiles(): Buffer {
  const folder = join(dir, 'appendonlydir');
  return Buffer.concat(readdirSync(folder).map((name) => readFileSync(join(folder, name))));
}
