import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EncodingCache } from '../../src/ports/EncodingCache.ts';

/** How every cache of sealed entries behaves; adapters that disagree are wrong, not special. */
export function encodingCacheContract(
  name: string,
  makeCache: () => Promise<EncodingCache> | EncodingCache,
  options: { skip?: boolean; afterEach?: () => Promise<void> } = {},
): void {
  describe.skipIf(options.skip ?? false)(`${name} cache contract`, () => {
    let cache: EncodingCache;
    beforeEach(async () => {
      cache = await makeCache();
    });
    afterEach(async () => {
      await cache.close();
      await options.afterEach?.();
    });

    const entry = (size = 300) => ({ id: randomBytes(32).toString('hex'), sealed: randomBytes(size) });

    it('misses with null, in the order asked', async () => {
      const stored = entry();
      await cache.set(stored.id, stored.sealed);
      expect(await cache.getMany([entry().id, stored.id, entry().id])).toEqual([null, stored.sealed, null]);
      expect(await cache.getMany([])).toEqual([]);
    });

    it('returns sealed bytes exactly as set, from a view into a larger buffer too', async () => {
      const stored = [entry(1), entry(12_000)];
      for (const { id, sealed } of stored) await cache.set(id, sealed);
      const backing = randomBytes(64);
      const view = new Uint8Array(backing.buffer, backing.byteOffset + 8, 40);
      await cache.set('view', view);
      expect(await cache.getMany([...stored.map(({ id }) => id), 'view'])).toEqual([...stored.map(({ sealed }) => sealed), Buffer.from(view)]);
    });

    it('deletes only what it is told to', async () => {
      const [gone, kept] = [entry(), entry()];
      await cache.set(gone.id, gone.sealed);
      await cache.set(kept.id, kept.sealed);
      await cache.delete([gone.id]);
      expect(await cache.getMany([gone.id, kept.id])).toEqual([null, kept.sealed]);
      await cache.delete([]);
    });

    it('answers ping', async () => {
      await expect(cache.ping()).resolves.toBeUndefined();
    });
  });
}
