import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImageEncodings } from '../../src/domain/ImageEncodings.ts';
import type { EncodingCache } from '../../src/ports/EncodingCache.ts';

/** How every summary cache behaves; adapters that disagree are wrong, not special. */
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

    const image = (faces = 1): ImageEncodings => ({
      sha256: randomBytes(32).toString('hex'),
      faces: Array.from({ length: faces }, (_, f) => ({
        encoding: Array.from({ length: 128 }, (_, i) => Math.fround(Math.sin(f * 1000 + i)) / 3),
        box: { x: 1, y: 2, width: 3, height: 4 },
      })),
    });

    it('misses with null, in the order asked', async () => {
      const stored = image();
      await cache.set(stored);
      expect(await cache.getMany([image().sha256, stored.sha256, image().sha256])).toEqual([null, stored, null]);
      expect(await cache.getMany([])).toEqual([]);
    });

    it('returns encodings exactly as set, numbers included', async () => {
      const stored = [image(1), image(3)];
      for (const entry of stored) await cache.set(entry);
      expect(await cache.getMany(stored.map((entry) => entry.sha256))).toEqual(stored);
    });

    it('deletes only what it is told to', async () => {
      const [gone, kept] = [image(), image()];
      await cache.set(gone);
      await cache.set(kept);
      await cache.delete([gone.sha256]);
      expect(await cache.getMany([gone.sha256, kept.sha256])).toEqual([null, kept]);
      await cache.delete([]);
    });

    it('answers ping', async () => {
      await expect(cache.ping()).resolves.toBeUndefined();
    });
  });
}
