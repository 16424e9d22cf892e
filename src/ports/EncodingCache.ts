import type { ImageEncodings } from '../domain/ImageEncodings.ts';

/**
 * Read cache for summaries, keyed by image SHA-256. Safe without expiry because what
 * a hash maps to never changes; entries go only when the encoding is deleted.
 * Missing is `null`.
 */
export interface EncodingCache {
  getMany(sha256s: readonly string[]): Promise<(ImageEncodings | null)[]>;
  set(image: ImageEncodings): Promise<void>;
  delete(sha256s: readonly string[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
