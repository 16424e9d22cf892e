import { describe, expect, it } from 'vitest';
import { KeyvEncodingCache } from '../../src/adapters/keyv/KeyvEncodingCache.ts';
import { memoryKeyv } from '../../src/adapters/keyv/memoryKeyv.ts';
import { redisKeyv } from '../../src/adapters/keyv/redisKeyv.ts';
import { createRedisClient } from '../../src/adapters/redis/createRedisClient.ts';
import { encodingCacheContract } from '../contracts/encodingCacheContract.ts';
import { connectedClient, deletePrefix, freshPrefix, hasRedis, quietLogger } from '../support/redis.ts';

encodingCacheContract('memory', () => new KeyvEncodingCache(memoryKeyv(100)));

let namespace = freshPrefix();
encodingCacheContract(
  'redis',
  async () => {
    namespace = freshPrefix();
    return new KeyvEncodingCache(redisKeyv(await connectedClient(), quietLogger, namespace), { ttlMs: 60_000 });
  },
  { skip: !hasRedis, afterEach: () => deletePrefix(namespace) },
);

describe('the memory cache', () => {
  it('is bounded: beyond its size the least recently used entries go', async () => {
    const cache = new KeyvEncodingCache(memoryKeyv(4));
    const entries = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) => ({ id, sealed: Buffer.from(id) }));
    for (const entry of entries) await cache.set(entry.id, entry.sealed);
    const found = await cache.getMany(entries.map((entry) => entry.id));
    expect(found.filter((entry) => entry !== null).length).toBeLessThanOrEqual(4);
    expect(found.at(-1)).toEqual(entries.at(-1)?.sealed);
    expect(found[0]).toBeNull();
  });
});

describe('the Redis cache while Redis is unreachable', () => {
  it('turns reads into misses, but fails deletes and pings with storage_unavailable', async () => {
    const errors: unknown[] = [];
    const client = createRedisClient({ url: 'redis://127.0.0.1:1', logger: quietLogger });
    const cache = new KeyvEncodingCache(redisKeyv(client, quietLogger, freshPrefix()), { onError: (e) => errors.push(e) });
    try {
      expect(await cache.getMany(['a', 'b'])).toEqual([null, null]);
      await cache.set('a', Buffer.from('sealed'));
      expect(errors).toHaveLength(2);
      await expect(cache.delete(['a'])).rejects.toMatchObject({ code: 'storage_unavailable' });
      await expect(cache.ping()).rejects.toMatchObject({ code: 'storage_unavailable' });
    } finally {
      client.destroy();
    }
  });
});
