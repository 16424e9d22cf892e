import type Keyv from 'keyv';
import { Failure } from '../../domain/Failure.ts';
import type { EncodingCache } from '../../ports/EncodingCache.ts';

export interface KeyvEncodingCacheOptions {
  /** A backstop, not freshness: bounds an entry whose delete was missed while the cache was unreachable. */
  readonly ttlMs?: number;
  readonly onError?: (error: unknown) => void;
}

/** A failed read is a miss and a failed write is skipped, but a failed delete throws storage_unavailable: deleting is how an entry leaves. */
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
