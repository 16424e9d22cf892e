import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyvEncodingCache } from '../../src/adapters/keyv/KeyvEncodingCache.ts';
import { clearCacheSealedBefore, redisKeyv } from '../../src/adapters/keyv/redisKeyv.ts';
import { createRedisClient } from '../../src/adapters/redis/createRedisClient.ts';
import { RedisStore } from '../../src/adapters/redis/RedisStore.ts';
import { encodingCacheContract } from '../contracts/encodingCacheContract.ts';
import { rotationContract } from '../contracts/rotationContract.ts';
import { sessionStoreContract } from '../contracts/sessionStoreContract.ts';
import { freshPrefix, hasRedisServer, quietLogger } from '../support/redis.ts';
import { connectedClusterClient, keysByMaster, type RedisCluster, startRedisCluster } from '../support/redisCluster.ts';
import { v2Images, v2Keys, writeVersion2Layout } from '../support/sealedV2.ts';
import { lootOfText } from '../support/thief.ts';
import { freshSealing } from '../support/sealing.ts';
import { useCasesOver } from '../support/useCasesOver.ts';

const { cipher, sealing } = freshSealing();

// One private 3-master cluster for both suites; every test gets fresh key prefixes.
let cluster: RedisCluster | undefined;
beforeAll(async () => {
  if (hasRedisServer) cluster = await startRedisCluster();
});
afterAll(async () => {
  await cluster?.close();
});

sessionStoreContract(
  'redis cluster',
  async (expiry) => new RedisStore(await connectedClusterClient(cluster!), freshPrefix(), sealing, expiry),
  { skip: !hasRedisServer },
);

encodingCacheContract(
  'redis cluster',
  async () => new KeyvEncodingCache(redisKeyv(await connectedClusterClient(cluster!), quietLogger, freshPrefix()), { ttlMs: 60_000 }),
  { skip: !hasRedisServer },
);

// Values spread over every master: the re-seal scans each, and each script stays on one slot.
rotationContract(
  'redis cluster',
  async () => {
    const prefix = freshPrefix();
    const clients = [await connectedClusterClient(cluster!)];
    return {
      async open(sealing) {
        clients.push(await connectedClusterClient(cluster!));
        const store = new RedisStore(clients.at(-1)!, prefix, sealing);
        await store.open();
        return store;
      },
      async steal() {
        const keys = [...(await keysByMaster(cluster!, prefix)).values()].flat();
        const values = await Promise.all(
          keys.map(async (name) => ((await clients[0]!.type(name)) === 'list' ? (await clients[0]!.lRange(name, 0, -1)).join('\n') : ((await clients[0]!.get(name)) ?? ''))),
        );
        return lootOfText(Buffer.from([...keys, ...values].join('\n')));
      },
      close: async () => void clients.forEach((client) => client.destroy()),
    };
  },
  { skip: !hasRedisServer },
);

describe.skipIf(!hasRedisServer)('keys sealed before the server-held secret (layout 2, by that build), on a cluster', () => {
  it('are upgraded on every master: each session opens its faces with its key, and nothing is left under the old names', async () => {
    const prefix = freshPrefix();
    const client = await connectedClusterClient(cluster!);
    try {
      await writeVersion2Layout(client, prefix);
      const spread = await keysByMaster(cluster!, prefix);
      expect([...spread.values()].filter((keys) => keys.some((name) => name.endsWith(':sealed'))).length).toBeGreaterThan(1);
      const store = new RedisStore(client, prefix, sealing);
      expect(await store.open()).toBe(4 + 6);
      const app = useCasesOver(store, cipher);
      expect(await app.summary.execute({ key: v2Keys.a })).toEqual([v2Images.one, v2Images.both]);
      expect(await app.summary.execute({ key: v2Keys.b })).toEqual([v2Images.both, v2Images.other]);
      const left = [...(await keysByMaster(cluster!, prefix)).values()].flat();
      expect(left.filter((name) => /:sealed$|:links$/.test(name))).toEqual([]);
    } finally {
      client.destroy();
    }
  });
});

describe.skipIf(!hasRedisServer)('a cache filled before the server-held secret, on a cluster', () => {
  it('is emptied on every master', async () => {
    const prefix = freshPrefix();
    const client = await connectedClusterClient(cluster!);
    try {
      const cache = new KeyvEncodingCache(redisKeyv(client, quietLogger, `${prefix}cache`));
      const ids = Array.from({ length: 12 }, (_, n) => `old entry ${n}`);
      for (const id of ids) await cache.set(id, Buffer.from('sealed before'));
      expect([...(await keysByMaster(cluster!, prefix)).values()].filter((keys) => keys.length > 0).length).toBeGreaterThan(1);
      expect(await clearCacheSealedBefore(client, `${prefix}cache`)).toBe(12);
      expect(await cache.getMany(ids)).toEqual(ids.map(() => null));
    } finally {
      client.destroy();
    }
  });
});

describe.skipIf(!hasRedisServer)('a cluster client started while no seed answers', () => {
  it('keeps discovering in the background and serves once the cluster is up', async () => {
    await Promise.all(cluster!.urls.map((_, index) => cluster!.stop(index)));
    const client = createRedisClient({ clusterNodes: cluster!.urls, logger: quietLogger });
    const store = new RedisStore(client, freshPrefix(), sealing);
    try {
      await expect(store.ping()).rejects.toMatchObject({ code: 'storage_unavailable' });
      // node-redis gives up on a cluster whose seeds all refused (it is no longer open);
      // only the background discovery can bring it back.
      await until(() => !client.isOpen, 'the first discovery to fail');
      await Promise.all(cluster!.urls.map((_, index) => cluster!.start(index)));
      await until(() => store.ping().then(() => true, () => false), 'the client to discover the cluster');
      const keyHash = 'a'.repeat(64);
      await store.createSession(keyHash);
      expect(await store.listImages(keyHash)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`waited in vain for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
