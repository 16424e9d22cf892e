import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyvEncodingCache } from '../../src/adapters/keyv/KeyvEncodingCache.ts';
import { clearCacheSealedBefore, redisKeyv } from '../../src/adapters/keyv/redisKeyv.ts';
import { SealMismatchError } from '../../src/adapters/SealMismatchError.ts';
import type { RedisNodeClient } from '../../src/adapters/redis/createRedisClient.ts';
import { RedisStore } from '../../src/adapters/redis/RedisStore.ts';
import { LAYOUT_VERSION } from '../../src/adapters/redis/redisLayout.ts';
import { atRestContract } from '../contracts/atRestContract.ts';
import { rotationContract } from '../contracts/rotationContract.ts';
import { sessionStoreContract } from '../contracts/sessionStoreContract.ts';
import { hashApiKey, sha256Hex } from '../../src/domain/hashing.ts';
import { v2Bytes, v2Images, v2Keys, writeVersion2Layout } from '../support/sealedV2.ts';
import { freshSealing } from '../support/sealing.ts';
import { lootOfText, plunder } from '../support/thief.ts';
import { useCasesOver } from '../support/useCasesOver.ts';
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

const { secret, cipher, sealing } = freshSealing();
const prefixes: string[] = [];
sessionStoreContract(
  'redis',
  async (expiry) => {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    return new RedisStore(await connectedClient(), prefix, sealing, expiry);
  },
  { skip: !hasRedis, afterEach: async () => void (await Promise.all(prefixes.splice(0).map((prefix) => deletePrefix(prefix)))) },
);

describe.skipIf(!hasRedis)('Redis keys of the layout before sealing (version 1)', () => {
  it('are deleted once, keeping sessions and their keys', async () => {
    const prefix = freshPrefix();
    const client = await connectedClient();
    try {
      const session = hashApiKey(crypto.randomUUID());
      const images = [1, 2].map((n) => ({ sha256: sha256Hex(`image ${n}`), faces: [{ encoding: [0.123456789, n] }] }));
      await writeVersion1Layout(client, prefix, { keyHash: session, images });
      const store = new RedisStore(await connectedClient(), prefix, sealing);
      expect(await store.open()).toBe(5);
      const left = await client.keys(`${prefix}*`);
      expect(left.filter((name) => /:faces$|:images$/.test(name) || images.some((image) => name.includes(image.sha256)))).toEqual([]);
      expect(await store.listImages(session)).toEqual([]);
      const current = hashApiKey(crypto.randomUUID());
      await store.createSession(current);
      await store.addImage(current, { entryId: 'e'.repeat(64), sealedSecret: Buffer.from('secret') }, Buffer.from('sealed'), 5);
      await store.close();

      await writeVersion1Layout(client, prefix, { keyHash: session, images });
      const again = new RedisStore(await connectedClient(), prefix, sealing);
      expect(await again.open()).toBe(0); // done once: a marker says so
      expect(await again.findEntries(['e'.repeat(64)])).toEqual([Buffer.from('sealed')]);
      await again.close();
    } finally {
      client.destroy();
      await deletePrefix(prefix);
    }
  });
});

describe.skipIf(!hasRedis)('the server-held secret', () => {
  it('is checked: keys sealed under another secret are refused, for good, and left as they were', async () => {
    const prefix = freshPrefix();
    try {
      const first = new RedisStore(await connectedClient(), prefix, sealing);
      await first.createSession('session');
      await first.close();
      const other = new RedisStore(await connectedClient(), prefix, freshSealing().sealing);
      await expect(other.open()).rejects.toBeInstanceOf(SealMismatchError);
      await expect(other.listImages('session')).rejects.toMatchObject({ code: 'storage_unavailable', cause: expect.any(SealMismatchError) });
      await other.close();
      const again = new RedisStore(await connectedClient(), prefix, sealing);
      expect(await again.listImages('session')).toEqual([]);
      await again.close();
    } finally {
      await deletePrefix(prefix);
    }
  });
});

describe.skipIf(!hasRedis)('Redis keys sealed before the server-held secret (layout 2, by that build)', () => {
  it('are upgraded once, by one of the processes opening them at once: each session opens its faces with its key, and nothing is left under the old names', async () => {
    const prefix = freshPrefix();
    const client = await connectedClient();
    try {
      await writeVersion2Layout(client, prefix);
      const stores = await Promise.all([1, 2, 3].map(async () => new RedisStore(await connectedClient(), prefix, sealing)));
      const changed = await Promise.all(stores.map((store) => store.open()));
      // 3 entries and 2 sessions' lists moved, 3 entries and their counts deleted (the third session was cleared).
      expect(changed.sort()).toEqual([0, 0, 4 + 6]);
      expect(await client.get(`${prefix}layout-version`)).toBe(LAYOUT_VERSION);
      expect((await client.keys(`${prefix}*`)).filter((name) => /:sealed$|:links$/.test(name))).toEqual([]);

      const app = useCasesOver(stores[0]!, cipher);
      expect(await app.summary.execute({ key: v2Keys.a })).toEqual([v2Images.one, v2Images.both]);
      expect(await app.summary.execute({ key: v2Keys.b })).toEqual([v2Images.both, v2Images.other]);
      expect(await app.encode.execute({ key: v2Keys.a, image: v2Bytes.one })).toEqual(v2Images.one);
      expect(app.encoder.calls).toBe(0);
      await app.clear.execute({ key: v2Keys.a });
      expect(await app.summary.execute({ key: v2Keys.b })).toEqual([v2Images.both, v2Images.other]);
      await app.clear.execute({ key: v2Keys.b });
      expect((await client.keys(`${prefix}{e:*`))).toEqual([]);
      await Promise.all(stores.map((store) => store.close()));
    } finally {
      client.destroy();
      await deletePrefix(prefix);
    }
  });

  it.skipIf(!hasRedisServer)('leave a copy of Redis, and its AOF once rewritten, that opens nothing without the secret, even with the photos and the API keys', async () => {
    const { url } = await privateServer();
    const prefix = freshPrefix();
    const client = await connectedClient(url);
    const copy = async () => lootOfText(Buffer.concat([await everyValue(client, prefix), appendOnlyFiles()]));
    try {
      await writeVersion2Layout(client, prefix);
      const sha256s = [v2Images.one, v2Images.both, v2Images.other].map((image) => image.sha256);
      expect(plunder(await copy(), { sha256s })).toContain('found the schema-2 id of photo 0');
      const store = new RedisStore(await connectedClient(url), prefix, sealing);
      await store.open();
      await store.close();
      // What README tells operators to do after the upgrade: the AOF keeps every write until it is rewritten.
      await client.bgRewriteAof();
      while (/aof_rewrite_(in_progress|scheduled):1/.test(await client.info('persistence'))) await new Promise((resolve) => setTimeout(resolve, 50));
      const loot = await copy();
      expect(plunder(loot, { sha256s, apiKeys: [v2Keys.a, v2Keys.b] })).toEqual([]);
      // With the secret, the upgraded entries of the photos open, as the threat model says; nothing else does.
      const withSecret = plunder(loot, { sha256s, secret });
      expect(withSecret).toContain('found the upgraded schema-2 id of photo 0');
      expect(withSecret.every((what) => what.includes('upgraded schema-2'))).toBe(true);
    } finally {
      await deletePrefix(prefix, url);
      client.destroy();
    }
  });
});

describe.skipIf(!hasRedis)('a Redis cache filled before the server-held secret', () => {
  it('is emptied once per deployment', async () => {
    const prefix = freshPrefix();
    const client = await connectedClient();
    const keyv = redisKeyv(client, quietLogger, `${prefix}cache`);
    try {
      const cache = new KeyvEncodingCache(keyv);
      await cache.set('an old entry id', Buffer.from('sealed before'));
      await cache.set('another old entry id', Buffer.from('sealed before'));
      await client.set(`${prefix}cache-not`, 'not the cache');
      expect(await clearCacheSealedBefore(client, `${prefix}cache`)).toBe(2);
      expect(await cache.getMany(['an old entry id', 'another old entry id'])).toEqual([null, null]);
      expect(await client.get(`${prefix}cache-not`)).toBe('not the cache');
      await cache.set('a new entry id', Buffer.from('sealed now'));
      expect(await clearCacheSealedBefore(client, `${prefix}cache`)).toBe(0);
      expect(await cache.getMany(['a new entry id'])).toEqual([Buffer.from('sealed now')]);
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

rotationContract(
  'redis',
  async () => {
    const prefix = freshPrefix();
    const clients: RedisNodeClient[] = [];
    const client = async () => {
      clients.push(await connectedClient());
      return clients.at(-1)!;
    };
    const reader = await client();
    return {
      async open(sealing) {
        const store = new RedisStore(await client(), prefix, sealing);
        await store.open();
        return store;
      },
      steal: async () => lootOfText(await everyValue(reader, prefix)),
      close: async () => {
        for (const each of clients) each.destroy();
        await deletePrefix(prefix);
      },
    };
  },
  { skip: !hasRedis },
);

atRestContract(
  'redis',
  async (expiry, sealing) => {
    const { url } = await privateServer();
    const prefix = freshPrefix();
    const [storeClient, cacheClient, reader] = await Promise.all([connectedClient(url), connectedClient(url), connectedClient(url)]);
    return {
      store: new RedisStore(storeClient, prefix, sealing, expiry),
      cache: new KeyvEncodingCache(redisKeyv(cacheClient, quietLogger, `${prefix}cache`), { ttlMs: 60_000 }),
      raw: [
        { name: 'every Redis key and value', read: () => everyValue(reader, prefix), forgetsDeleted: true },
        { name: 'the AOF', read: async () => appendOnlyFiles(), forgetsDeleted: false },
      ],
      steal: async () => lootOfText(Buffer.concat([await everyValue(reader, prefix), appendOnlyFiles()])),
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


describe.skipIf(!hasRedis)('RedisStore with REDIS_REPLICA_ACKS, on a Redis with no replica', () => {
  it('answers every write storage_unavailable once WAIT times out, and reads as usual', async () => {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    const [reader, writer] = [await connectedClient(), await connectedClient()];
    const store = new RedisStore(reader, prefix, sealing, undefined, { replicas: 1, timeoutMs: 50, writer });
    try {
      const keyHash = hashApiKey('f47ac10b-58cc-4372-a567-0e02b2c3d479');
      await expect(store.createSession(keyHash)).rejects.toMatchObject({ code: 'storage_unavailable', retryAfterSeconds: 1 });
      // It was written, only not confirmed: reads see it, and a retry of the confirmation fails the same way.
      expect(await store.listImages(keyHash)).toEqual([]);
      await expect(store.confirmStored(keyHash, 'entry')).rejects.toMatchObject({ code: 'storage_unavailable' });
    } finally {
      await store.close();
    }
  });
});
