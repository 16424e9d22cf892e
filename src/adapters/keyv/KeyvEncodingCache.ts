import type Keyv from 'keyv';
import { Failure } from '../../domain/Failure.ts';
import type { ImageEncodings } from '../../domain/ImageEncodings.ts';
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
 * The summary cache over any keyv store: a bounded in-process LRU (CACHE=memory) or
 * Redis (CACHE=redis). A cache that cannot answer never fails a read (it is a miss,
 * and storage answers) but does fail a delete, because deleting is how biometric data
 * leaves it.
 */
export class KeyvEncodingCache implements EncodingCache {
  readonly #keyv: Keyv<ImageEncodings>;
  readonly #options: KeyvEncodingCacheOptions;

  constructor(keyv: Keyv<ImageEncodings>, options: KeyvEncodingCacheOptions = {}) {
    this.#keyv = keyv;
    this.#options = options;
  }

  async getMany(sha256s: readonly string[]): Promise<(ImageEncodings | null)[]> {
    if (sha256s.length === 0) return [];
    try {
      const found = await this.#keyv.getMany([...sha256s]);
      return found.map((image) => image ?? null);
    } catch (error) {
      this.#options.onError?.(error);
      return sha256s.map(() => null);
    }
  }

  async set(image: ImageEncodings): Promise<void> {
    try {
      await this.#keyv.set(image.sha256, image, this.#options.ttlMs);
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  async delete(sha256s: readonly string[]): Promise<void> {
    if (sha256s.length === 0) return;
    await unavailableOnError(() => this.#keyv.deleteMany([...sha256s]));
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
