/**
 * Authenticated encryption and key derivation. The domain decides what is sealed and
 * under which key material (src/domain/sealing.ts); the adapter holds the server-held
 * sealing secret and does the maths. Synchronous: it is CPU work of microseconds, and an
 * await per call would cost more.
 */
export interface Cipher {
  /**
   * 32 bytes for one `purpose` and `input`, keyed by the server-held secret: without it,
   * nothing derived here can be recomputed, whatever else is known. No two purposes or
   * inputs share a key.
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
}
