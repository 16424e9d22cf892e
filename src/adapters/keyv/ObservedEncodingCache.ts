import type { ImageEncodings } from '../../domain/ImageEncodings.ts';
import type { EncodingCache } from '../../ports/EncodingCache.ts';

/** Counts what a cache found and missed. */
export class ObservedEncodingCache implements EncodingCache {
  readonly #inner: EncodingCache;
  readonly #lookedUp: (hits: number, misses: number) => void;

  constructor(inner: EncodingCache, lookedUp: (hits: number, misses: number) => void) {
    this.#inner = inner;
    this.#lookedUp = lookedUp;
  }

  async getMany(sha256s: readonly string[]): Promise<(ImageEncodings | null)[]> {
    const found = await this.#inner.getMany(sha256s);
    const hits = found.filter((image) => image !== null).length;
    this.#lookedUp(hits, found.length - hits);
    return found;
  }

  set(image: ImageEncodings): Promise<void> {
    return this.#inner.set(image);
  }

  delete(sha256s: readonly string[]): Promise<void> {
    return this.#inner.delete(sha256s);
  }

  ping(): Promise<void> {
    return this.#inner.ping();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
