import type { ImageEncodings } from '../domain/ImageEncodings.ts';

/** What requests opened for one session. */
export interface OpenedSession {
  /** Each image this session's requests opened from storage, by entry id. */
  readonly images: ReadonlyMap<string, ImageEncodings>;
  /** The last summary: the entry ids storage listed and, in that order, the images they opened to. */
  readonly summary?: { readonly entryIds: readonly string[]; readonly images: readonly ImageEncodings[] };
}

/**
 * What requests already opened, by session key hash, in this process's memory only, so
 * reading an unchanged session again, or uploading an image it holds again, needs no
 * decryption. Never written anywhere. An entry lives no longer than its session: the
 * use cases drop it when the session is cleared, and the adapter forgets it after an
 * age of at most half the idle TTL. Synchronous: a map lookup, and a shared store
 * (Redis) would defeat its purpose.
 */
export interface OpenedSessions {
  get(keyHash: string): OpenedSession | undefined;
  set(keyHash: string, session: OpenedSession): void;
  delete(keyHash: string): void;
  close(): void;
}
