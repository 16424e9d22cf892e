import { afterAll, beforeAll } from 'vitest';
import { KeyvEncodingCache } from '../../src/adapters/keyv/KeyvEncodingCache.ts';
import { redisKeyv } from '../../src/adapters/keyv/redisKeyv.ts';
import { RedisStore } from '../../src/adapters/redis/RedisStore.ts';
import { encodingCacheContract } from '../contracts/encodingCacheContract.ts';
import { sessionStoreContract } from '../contracts/sessionStoreContract.ts';
import { freshPrefix, hasRedisServer, quietLogger } from '../support/redis.ts';
import { connectedClusterClient, type RedisCluster, startRedisCluster } from '../support/redisCluster.ts';

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
  async (expiry) => new RedisStore(await connectedClusterClient(cluster!), freshPrefix(), expiry),
  { skip: !hasRedisServer },
);

encodingCacheContract(
  'redis cluster',
  async () => new KeyvEncodingCache(redisKeyv(await connectedClusterClient(cluster!), quietLogger, freshPrefix()), { ttlMs: 60_000 }),
  { skip: !hasRedisServer },
);
