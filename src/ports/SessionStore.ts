import type { ImageEncodings } from '../domain/ImageEncodings.ts';

/**
 * Sessions, the ordered images of each, and the encodings those images point to.
 * Sessions are identified by the hash of their API key, never the key itself.
 *
 * "Missing" is always `null`: no adapter throws for an
 * unknown session or hash. With an idle TTL, a session unused for longer than it is
 * missing too, and every use of a session (any method naming it) restarts its TTL. Adapters throw only when the storage itself fails, and then
 * a `Failure('storage_unavailable')`.
 */
export interface SessionStore {
  createSession(keyHash: string): Promise<void>;
  /** SHA-256s of the session's images in upload order; `null` if no such session. */
  listImages(keyHash: string): Promise<string[] | null>;
  /**
   * Atomically: links `image` to the session unless it is already there ('duplicate')
   * or the session already holds `limit` images ('full'), and stores its encodings
   * under its SHA-256 if not stored yet. Duplicate wins over full, so a client retrying
   * its fifth upload gets its result back, not session_full.
   */
  addImage(keyHash: string, image: ImageEncodings, limit: number): Promise<AddImageOutcome>;
  /**
   * Unlinks every image of the session (the session and its key stay) and deletes
   * encodings no session references any more. Returns the SHA-256s of the deleted
   * encodings, or `null` if no such session.
   */
  clearSession(keyHash: string): Promise<string[] | null>;
  /**
   * Deletes sessions idle past the TTL with their links, and the encodings no live
   * session references any more; returns the SHA-256s of those encodings. Without a
   * TTL there is nothing to do.
   */
  deleteExpired(): Promise<string[]>;
  /** Round-trip to the storage; throws when it cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type AddImageOutcome = 'added' | 'duplicate' | 'full' | 'no_session';
