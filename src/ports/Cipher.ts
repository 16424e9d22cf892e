/** As long as the keys it derives. */
export const SEAL_SECRET_BYTES = 32;

/** Synchronous: microseconds of CPU, where an await per call would cost more. What is sealed under what: src/domain/sealing.ts. */
export interface Cipher {
  /** 32 bytes per `purpose` and `input`, keyed by storage's root, which only the server-held secret opens; no two share a key. */
  derive(input: string, purpose: string): Uint8Array;
  /** As keys were derived before the server-held secret (schema 2): only to open what was sealed then. */
  deriveUnkeyed(secret: string, purpose: string): Uint8Array;
  /** Encrypts and authenticates `plaintext`, bound to `context` (which is not stored). */
  seal(key: Uint8Array, plaintext: Uint8Array, context: string): Uint8Array;
  /** `null` unless `sealed` was made by `seal` with this very key and context, unaltered. */
  open(key: Uint8Array, sealed: Uint8Array, context: string): Uint8Array | null;
  /** The outer layer of every stored value: under the current sealing secret itself, marked with which, so a re-seal needs no API key. */
  sealAtRest(plaintext: Uint8Array, context: string): Uint8Array;
  /** Opens what `sealAtRest` sealed under the current or previous secret; a value from before that layer comes back as is; else `null`. */
  openAtRest(stored: Uint8Array, context: string): Uint8Array | null;
  sealedUnder(stored: Uint8Array): SealedUnder;
  /** Learns the root from storage's `record` (or its `legacyCheck`, from before records) and says what storage should hold; throws if the secrets do not fit. */
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

