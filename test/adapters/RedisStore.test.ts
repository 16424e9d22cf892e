import { RedisStore } from '../../src/adapters/redis/RedisStore.ts';
import { sessionStoreContract } from '../contracts/sessionStoreContract.ts';
import { connectedClient, deletePrefix, freshPrefix, hasRedis } from '../support/redis.ts';

let prefix = freshPrefix();
sessionStoreContract(
  'redis',
  async () => {
    prefix = freshPrefix();
    return new RedisStore(await connectedClient(), prefix);
  },
  { skip: !hasRedis, afterEach: () => deletePrefix(prefix) },
);
