import type { EncodingCache } from '../../ports/EncodingCache.ts';

export class ObservedEncodingCache implements EncodingCache {
  readonly #inner: EncodingCache;
  readonly #lookedUp: (hits: number, misses: number) => void;

  constructor(inner: EncodingCache, lookedUp: (hits: number, misses: number) => void) {
    this.#inner = inner;
    this.#lookedUp = lookedUp;
  }

  async getMany(entryIds: readonly string[]): Promise<(Uint8Array | null)[]> {
    const found = await this.#inner.getMany(entryIds);
    const hits = found.filter((entry) => entry !== null).length;
    this.#lookedUp(hits, found.length - hits);
    return found;
  }

  set(entryId: string, sealedEntry: Uint8Array): Promise<void> {
    return this.#inner.set(entryId, sealedEntry);
  }

  delete(entryIds: readonly string[]): Promise<void> {
    return this.#inner.delete(entryIds);
  }

  ping(): Promise<void> {
    return this.#inner.ping();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
