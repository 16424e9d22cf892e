import type Keyv from 'keyv';
import { Failure } from '../../domain/Failure.ts';
import type { EncodingCache } from '../../ports/EncodingCache.ts';

export interface KeyvEncodingCacheOptions {
  /**
   * A backstop, not freshness (entries never go stale): bounds how long an entry
   * survives if its deletion was missed while the cache was unreachable.
   */
  readonly ttlMs?: number;
  /** Reads and writes the cache could not do; the request went on without it. */
  readonly onError?: (error: unknown) => void;
}

/**
 * The cache of sealed entries over any keyv store: a bounded in-process LRU
 * (CACHE=memory) or Redis (CACHE=redis). A cache that cannot answer never fails a read
 * (it is a miss, and storage answers) but does fail a delete: what it holds is sealed,
 * but deleting is still how an entry leaves it.
 */
export class KeyvEncodingCache implements EncodingCache {
  readonly #keyv: Keyv<Buffer>;
  readonly #options: KeyvEncodingCacheOptions;

  constructor(keyv: Keyv<Buffer>, options: KeyvEncodingCacheOptions = {}) {
    this.#keyv = keyv;
    this.#options = options;
  }

  async getMany(entryIds: readonly string[]): Promise<(Uint8Array | null)[]> {
    if (entryIds.length === 0) return [];
    try {
      const found = await this.#keyv.getMany([...entryIds]);
      return found.map((sealed) => sealed ?? null);
    } catch (error) {
      this.#options.onError?.(error);
      return entryIds.map(() => null);
    }
  }

  async set(entryId: string, sealedEntry: Uint8Array): Promise<void> {
    try {
      // A Buffer, so keyv's serialiser writes it as base64 rather than an object of numbered bytes.
      const bytes = Buffer.from(sealedEntry.buffer, sealedEntry.byteOffset, sealedEntry.byteLength);
      await this.#keyv.set(entryId, bytes, this.#options.ttlMs);
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  async delete(entryIds: readonly string[]): Promise<void> {
    if (entryIds.length === 0) return;
    await unavailableOnError(() => this.#keyv.deleteMany([...entryIds]));
  }

  async ping(): Promise<void> {
    await unavailableOnError(() => this.#keyv.get('ping'));
  }

  async close(): Promise<void> {
    await this.#keyv.disconnect();
  }
}

async function unavailableOnError(operation: () => Promise<unknown>): Promise<void> {
  try {
    await operation();
  } catch (error) {
    throw new Failure('storage_unavailable', 'The cache is unavailable; try again shortly.', { cause: error, retryAfterSeconds: 1 });
  }
}
