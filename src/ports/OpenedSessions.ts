import type { ImageEncodings } from '../domain/ImageEncodings.ts';

/** A session's images as a request opened them, and the entry ids storage listed for them. */
export interface OpenedSession {
  readonly entryIds: readonly string[];
  /** One per entry id, in the same (upload) order. */
  readonly images: readonly ImageEncodings[];
}

/**
 * What requests already opened, by session key hash, in this process's memory only, so
 * a summary whose list of images has not changed needs no decryption. Never written
 * anywhere. An entry lives no longer than its session: the use cases drop it when the
 * session is cleared, and the adapter forgets it after an age of at most the idle TTL.
 * Synchronous: it is a map lookup, and nothing else may fill this port.
 */
export interface OpenedSessions {
  get(keyHash: string): OpenedSession | undefined;
  set(keyHash: string, session: OpenedSession): void;
  delete(keyHash: string): void;
  close(): void;
}
