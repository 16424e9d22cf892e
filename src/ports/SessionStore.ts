import type { SealedUnder, SealRecordDecision } from './Cipher.ts';

/**
 * Keyed by the API key's hash, never the key; holds only what src/domain/sealing.ts sealed. Missing is `null`; only failing storage throws, `Failure('storage_unavailable')`.
 * A session idle past the TTL is missing; any method naming it restarts the TTL (a restart under 1/100 of it, at most a minute, may go unwritten).
 */
export interface SessionStore {
  createSession(keyHash: string): Promise<void>;
  /** The session's links in upload order; `null` if no such session. */
  listImages(keyHash: string): Promise<ImageLink[] | null>;
  /** Atomic. 'duplicate' (entry already linked) wins over 'full' (`limit` held), so a retried last upload gets its result; `sealedEntry` fills only an empty id. */
  addImage(keyHash: string, link: ImageLink, sealedEntry: Uint8Array, limit: number): Promise<AddImageOutcome>;
  /** Deletes the session's links (the session stays) and entries no session links; returns their ids, `null` if no session. */
  clearSession(keyHash: string): Promise<string[] | null>;
  /** Deletes sessions idle past the TTL, their links and entries no live session links; returns those entries' ids. */
  deleteExpired(): Promise<string[]>;
  /** Resolves once both are as durable as this store's writes promise (REDIS_REPLICA_ACKS), else throws storage_unavailable: a repeated upload's first write may have got a 503. */
  confirmStored(keyHash: string, entryId: string): Promise<void>;
  /** Throws when storage cannot answer; `degraded` when only part of its keys can (a cluster master unreachable). */
  ping(): Promise<'degraded' | undefined | void>;
  close(): Promise<void>;
}

export interface ImageLink {
  /** Derived with the server-held secret: it tells nothing about the image. */
  readonly entryId: string;
  /** What opens the entry, sealed under the session's key. */
  readonly sealedSecret: Uint8Array;
}

export type AddImageOutcome = 'added' | 'duplicate' | 'full' | 'no_session';

/** Made by src/domain/sealing.ts. Schema-2 values (sealed before the server-held secret) are re-keyed without opening. */
export interface StorageSealing {
  /** Throws SealMismatchError when the configured secrets cannot open storage; stores call it before anything else. */
  adopt(record: string | null, legacyCheck: string | null, storage: string): SealRecordDecision;
  settled(record: string): string;
  sealedUnder(stored: Uint8Array): SealedUnder;
  /** A stored entry sealed again under the current secret; `null` when it already is, or when no configured secret opens it. */
  resealEntry(entryId: string, stored: Uint8Array): Uint8Array | null;
  resealLink(keyHash: string, link: ImageLink): ImageLink | null;
  /** The id a schema-2 entry is kept under from now on. */
  v2EntryId(v2Id: string): string;
  upgradeV2Entry(v2Id: string, sealedEntry: Uint8Array): Uint8Array;
  upgradeV2Link(keyHash: string, link: ImageLink): ImageLink;
}

/** Stored values (entries and links) per secret: what a re-seal has left to do. */
export type SealCounts = Record<SealedUnder, number>;

export interface ResealableStore {
  /** Reads each value's mark; opens none. */
  countSealed(): Promise<SealCounts>;
  /** In batches, each write only over an unchanged value, so it may run beside the service and stop anywhere; returns what is left, and records when the previous secret can go. */
  reseal(onProgress?: (done: number) => void): Promise<SealCounts>;
}
