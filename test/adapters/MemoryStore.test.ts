import { serialize } from 'node:v8';
import { KeyvEncodingCache } from '../../src/adapters/keyv/KeyvEncodingCache.ts';
import { memoryKeyv } from '../../src/adapters/keyv/memoryKeyv.ts';
import { MemoryStore, type MemoryStoreContents } from '../../src/adapters/memory/MemoryStore.ts';
import { atRestContract } from '../contracts/atRestContract.ts';
import { sessionStoreContract } from '../contracts/sessionStoreContract.ts';

sessionStoreContract('memory', (expiry) => new MemoryStore(expiry));

atRestContract('memory', async (expiry) => {
  const contents: MemoryStoreContents = { sessions: new Map(), entries: new Map() };
  return {
    store: new MemoryStore(expiry, contents),
    cache: new KeyvEncodingCache(memoryKeyv(100)),
    // What the store holds, every string and byte of it, as a heap dump would show it.
    raw: [{ name: "the store's maps", read: async () => serialize(contents), forgetsDeleted: true }],
    steal: async () => ({
      text: [...contents.sessions].flatMap(([keyHash, session]) => [keyHash, ...session.links.map((link) => link.entryId)]).concat([...contents.entries.keys()]).join('\n'),
      values: [...[...contents.sessions.values()].flatMap((session) => session.links.map((link) => Buffer.from(link.sealedSecret))), ...[...contents.entries.values()].map((sealed) => Buffer.from(sealed))],
    }),
    close: async () => {},
  };
});
