import type Keyv from 'keyv';
import type { ImageEncodings } from '../../domain/ImageEncodings.ts';
import type { EncodingCache } from '../../ports/EncodingCache.ts';

/**
 * The summary cache over any keyv store: a bounded in-process LRU (CACHE=memory) or
 * Redis (CACHE=redis), chosen by the composition root.
 */
export class KeyvEncodingCache implements EncodingCache {
  readonly #keyv: Keyv<ImageEncodings>;

  constructor(keyv: Keyv<ImageEncodings>) {
    this.#keyv = keyv;
  }

  async getMany(sha256s: readonly string[]): Promise<(ImageEncodings | null)[]> {
    const found = await this.#keyv.getMany([...sha256s]);
    return found.map((image) => image ?? null);
  }

  async set(image: ImageEncodings): Promise<void> {
    await this.#keyv.set(image.sha256, image);
  }

  async delete(sha256s: readonly string[]): Promise<void> {
    await this.#keyv.deleteMany([...sha256s]);
  }

  async ping(): Promise<void> {
    await this.#keyv.get('ping');
  }

  async close(): Promise<void> {
    await this.#keyv.disconnect();
  }
}
