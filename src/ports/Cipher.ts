/**
 * Authenticated encryption, key derivation and the keyring of sealing secrets. The domain decides what is sealed and
 * under which key material (src/domain/sealing.ts); the adapter holds the server-held
 * sealing secret and does the maths. Synchronous: it is CPU work of microseconds, and an
 * await per call would cost more.
 */
/** The shortest server-held sealing secret a Cipher takes: as long as the keys it derives. */
export const SEAL_SECRET_BYTES = 32;

export interface Cipher {
  /**
   * 32 bytes for one `purpose` and `input`, keyed by the storage's root, which only the
   * server-held secret opens: without it, nothing derived here can be recomputed,
   * whatever else is known. No two purposes or inputs share a key.
   */
  derive(input: string, purpose: string): Uint8Array;
  /**
   * 32 bytes from a high-entropy `secret` alone, as every key was derived before the
   * server-held secret (schema 2): only to open what was sealed then.
   */
  deriveUnkeyed(secret: string, purpose: string): Uint8Array;
  /** Encrypts and authenticates `plaintext`, bound to `context` (which is not stored). */
  seal(key: Uint8Array, plaintext: Uint8Array, context: string): Uint8Array;
  /** `null` unless `sealed` was made by `seal` with this very key and context, unaltered. */
  open(key: Uint8Array, sealed: Uint8Array, context: string): Uint8Array | null;
  /**
   * The outer layer every stored value gets: sealed under the current sealing secret
   * itself, and marked with which, so that a re-seal can move it to a new secret
   * without any API key.
   */
  sealAtRest(plaintext: Uint8Array, context: string): Uint8Array;
  /**
   * What `sealAtRest` sealed under the current or the previous secret; a value stored
   * before there was an outer layer comes back as it is; otherwise `null`.
   */
  openAtRest(stored: Uint8Array, context: string): Uint8Array | null;
  /** Which secret a stored value's outer layer needs. */
  sealedUnder(stored: Uint8Array): SealedUnder;
  /**
   * Learns, from what storage holds of the keyring (`record`, or for storage older than
   * records its `legacyCheck`), the root every id and key derives from, and says what
   * storage should hold from now on. Throws when the configured secrets do not fit.
   */
  adopt(record: string | null, legacyCheck: string | null, storage: string): SealRecordDecision;
  /** `record` once no stored value needs the previous secret any more. */
  settled(record: string): string;
}

/** `none`: stored before values had an outer layer; `other`: under a secret not configured. */
export type SealedUnder = 'current' | 'previous' | 'none' | 'other';

export interface SealRecordDecision {
  /** What storage should hold; write it if `changed`, only over what was read. */
  readonly record: string;
  readonly changed: boolean;
  /** Some stored values may still be sealed under the previous secret. */
  readonly previousNeeded: boolean;
}

