/**
 * Authenticated encryption and key derivation. The domain decides what is sealed and
 * under which key material (src/domain/sealing.ts); the adapter only does the maths.
 * Synchronous: it is CPU work of microseconds, and an await per call would cost more.
 */
export interface Cipher {
  /** 32 bytes derived from a high-entropy `secret` for one `purpose`; no two purposes share a key. */
  derive(secret: string, purpose: string): Uint8Array;
  /** Encrypts and authenticates `plaintext`, bound to `context` (which is not stored). */
  seal(key: Uint8Array, plaintext: Uint8Array, context: string): Uint8Array;
  /** `null` unless `sealed` was made by `seal` with this very key and context, unaltered. */
  open(key: Uint8Array, sealed: Uint8Array, context: string): Uint8Array | null;
}
