import { RedisStore } from '../../src/adapters/redis/RedisStore.ts';
import { sessionStoreContract } from '../contracts/sessionStoreContract.ts';
import { connectedClient, deletePrefix, freshPrefix, hasRedis } from '../support/redis.ts';

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
