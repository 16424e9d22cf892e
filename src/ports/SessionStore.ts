import type { SealedUnder, SealRecordDecision } from './Cipher.ts';

/**
 * Sessions, the ordered images of each, and the sealed entries those images point to.
 * Sessions are identified by the hash of their API key, never the key itself; storage
 * only ever holds what src/domain/sealing.ts sealed, never an encoding in clear.
 *
 * "Missing" is always `null`: no adapter throws for an
 * unknown session or entry. With an idle TTL, a session unused for longer than it is
 * missing too, and every use of a session (any method naming it) restarts its TTL; an
 * adapter may leave a restart unwritten when the last one is under a hundredth of the
 * TTL (at most a minute) old, so reads need not write. Adapters throw only when the storage itself fails, and then
 * a `Failure('storage_unavailable')`.
 */
export interface SessionStore {
  createSession(keyHash: string): Promise<void>;
  /** The session's links in upload order; `null` if no such session. */
  listImages(keyHash: string): Promise<ImageLink[] | null>;
  /**
   * Atomically: adds `link` to the session unless the session already links its entry
   * ('duplicate') or already holds `limit` images ('full'), and stores `sealedEntry`
   * under `link.entryId` if nothing is stored there yet. Duplicate wins over full, so a
   * client retrying its fifth upload gets its result back, not session_full.
   */
  addImage(keyHash: string, link: ImageLink, sealedEntry: Uint8Array, limit: number): Promise<AddImageOutcome>;
  /**
   * Deletes every link of the session (the session and its key stay) and the entries no
   * session links any more. Returns the ids of the deleted entries, or `null` if no such
   * session.
   */
  clearSession(keyHash: string): Promise<string[] | null>;
  /**
   * Deletes sessions idle past the TTL with their links, and the entries no live
   * session links any more; returns the ids of those entries. Without a TTL there is
   * nothing to do.
   */
  deleteExpired(): Promise<string[]>;
  /**
   * Resolves once the session and its entry `entryId` are stored as durably as a write of
   * this store promises (Redis with REDIS_REPLICA_ACKS: on that many replicas); throws a
   * `Failure('storage_unavailable')` when it cannot confirm that in time. An upload
   * answered from what the session already holds calls it, since the write it repeats
   * may have been answered 503 for want of that confirmation.
   */
  confirmStored(keyHash: string, entryId: string): Promise<void>;
  /**
   * Round-trip to the storage; throws when it cannot answer, and resolves `degraded` when
   * it answers for part of its keys only (a cluster with a master unreachable).
   */
  ping(): Promise<'degraded' | undefined | void>;
  close(): Promise<void>;
}

/** One image of a session, as storage keeps it. */
export interface ImageLink {
  /** Where the image's sealed entry is stored; derived with the server-held secret, it tells nothing about the image. */
  readonly entryId: string;
  /** What opens that entry, sealed under the session's key. */
  readonly sealedSecret: Uint8Array;
}

export type AddImageOutcome = 'added' | 'duplicate' | 'full' | 'no_session';

/**
 * What a persistent store needs of the server-held secrets (src/domain/sealing.ts makes
 * it): the record of which secrets its data was sealed under, the re-seal of a stored
 * value under the current one, and the upgrade of what was sealed before there was a
 * secret at all (schema 2), which it re-keys without opening.
 */
export interface StorageSealing {
  /**
   * Given what storage holds of its keyring (its record, or its check alone from before
   * records), says what it should hold from now on; throws a SealMismatchError when the
   * configured secrets cannot open it. Stores call it before anything else.
   */
  adopt(record: string | null, legacyCheck: string | null, storage: string): SealRecordDecision;
  /** The record once no stored value needs the previous secret any more. */
  settled(record: string): string;
  sealedUnder(stored: Uint8Array): SealedUnder;
  /** A stored entry sealed again under the current secret; `null` when it already is, or when no configured secret opens it. */
  resealEntry(entryId: string, stored: Uint8Array): Uint8Array | null;
  /** A stored link of session `keyHash`, the same way. */
  resealLink(keyHash: string, link: ImageLink): ImageLink | null;
  /** The id a schema-2 entry is kept under from now on. */
  v2EntryId(v2Id: string): string;
  /** A schema-2 sealed entry, sealed again under the secret for its new id. */
  upgradeV2Entry(v2Id: string, sealedEntry: Uint8Array): Uint8Array;
  /** A schema-2 link of session `keyHash`, re-keyed the same way. */
  upgradeV2Link(keyHash: string, link: ImageLink): ImageLink;
}

/** How many stored values (entries and links) each secret seals; what a re-seal has left to do. */
export type SealCounts = Record<SealedUnder, number>;

/** A store whose values outlive the process, and so can be re-sealed under a new secret. */
export interface ResealableStore {
  /** Reads every stored value's mark (no value is opened). */
  countSealed(): Promise<SealCounts>;
  /**
   * Seals every stored value not under the current secret again, a batch at a time; each
   * write takes effect only if the value is unchanged since it was read, so the service
   * may run meanwhile and a run may stop anywhere. Returns what is left after the pass;
   * once nothing needs the previous secret, storage records that it can go.
   */
  reseal(onProgress?: (done: number) => void): Promise<SealCounts>;
}
