import type { ImageEncodings } from '../domain/ImageEncodings.ts';

/**
 * Encodings by image SHA-256, written only through `SessionStore.addImage` so an
 * encoding never exists without a session that links it.
 */
export interface EncodingStore {
  /** One entry per hash, in the same order; `null` where nothing is stored. */
  findEncodings(sha256s: readonly string[]): Promise<(ImageEncodings | null)[]>;
}
