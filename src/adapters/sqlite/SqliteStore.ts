import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Failure } from '../../domain/Failure.ts';
import type { EncodingStore } from '../../ports/EncodingStore.ts';
import type { SessionExpiry } from '../../ports/SessionExpiry.ts';
import type { AddImageOutcome, ImageLink, ResealableStore, SealCounts, SessionStore, StorageSealing } from '../../ports/SessionStore.ts';
import { AT_REST_HEADER_BYTES } from '../crypto/NodeCipher.ts';
import { adoptSealRecord, migrate } from './sqliteSchema.ts';

const MAX_TOUCH_DELAY_MS = 60_000;

/** Synchronous: a call holds the event loop for one indexed query, microseconds, cheaper than a thread hop. Why a delete leaves nothing: docs/adr/0009-security-and-biometric-data-at-rest.md. */
export class SqliteStore implements SessionStore, EncodingStore, ResealableStore {
  readonly #db: Database.Database;
  readonly #sealing: StorageSealing;
  readonly #stmts: ReturnType<typeof prepareStatements>;
  readonly #addImage: Database.Transaction<(keyHash: string, link: ImageLink, sealedEntry: Uint8Array, limit: number) => AddImageOutcome>;
  readonly #clearSession: Database.Transaction<(keyHash: string) => string[] | null>;
  readonly #deleteExpired: Database.Transaction<() => string[]>;
  readonly #expiry: SessionExpiry;

  /** Upgrades the file first; throws SealMismatchError for a file sealed under another secret. */
  constructor(path: string, sealing: StorageSealing, expiry: SessionExpiry = { clock: Date.now }) {
    this.#expiry = expiry;
    this.#sealing = sealing;
    if (path !== ':memory:') ownerOnly(path);
    const db = new Database(path, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    try {
      migrate(db, sealing);
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    this.#stmts = prepareStatements(db);
    this.#addImage = db.transaction((keyHash: string, link: ImageLink, sealedEntry: Uint8Array, limit: number): AddImageOutcome => {
      if (!this.#use(keyHash)) return 'no_session';
      const held = this.#stmts.listEntryIds.all(keyHash) as string[];
      if (held.includes(link.entryId)) return 'duplicate';
      if (held.length >= limit) return 'full';
      this.#stmts.insertEntry.run(link.entryId, sealedEntry);
      this.#stmts.linkImage.run(keyHash, held.length, link.entryId, link.sealedSecret);
      return 'added';
    });
    this.#clearSession = db.transaction((keyHash: string): string[] | null => {
      if (!this.#use(keyHash)) return null;
      return this.#deleteOrphans(this.#stmts.unlinkAll.all(keyHash) as string[]);
    });
    this.#deleteExpired = db.transaction((): string[] => {
      const { idleTtlMs, clock } = this.#expiry;
      if (idleTtlMs === undefined) return [];
      const cutoff = clock() - idleTtlMs;
      const unlinked = this.#stmts.entriesOfExpired.all(cutoff) as string[];
      this.#stmts.deleteExpired.run(cutoff); // their links go by ON DELETE CASCADE
      return this.#deleteOrphans(unlinked);
    });
  }

  async createSession(keyHash: string): Promise<void> {
    const now = this.#expiry.clock();
    this.#guard(() => this.#stmts.createSession.run(keyHash, now, now));
  }

  async listImages(keyHash: string): Promise<ImageLink[] | null> {
    return this.#guard(() => {
      const row = this.#stmts.listImages.get(keyHash) as [number, string | null] | undefined;
      return row && this.#isLive(keyHash, row[0]) ? parseLinks(row[1]) : null;
    });
  }

  async addImage(keyHash: string, link: ImageLink, sealedEntry: Uint8Array, limit: number): Promise<AddImageOutcome> {
    return this.#guard(() => this.#addImage.immediate(keyHash, link, sealedEntry, limit));
  }

  async clearSession(keyHash: string): Promise<string[] | null> {
    return this.#guard(() => {
      const deleted = this.#clearSession.immediate(keyHash);
      this.#forgetDeleted();
      return deleted;
    });
  }

  async deleteExpired(): Promise<string[]> {
    return this.#guard(() => {
      const deleted = this.#deleteExpired.immediate();
      this.#forgetDeleted();
      return deleted;
    });
  }

  async findEntries(entryIds: readonly string[]): Promise<(Uint8Array | null)[]> {
    return this.#guard(() => entryIds.map((id) => this.#stmts.findEntry.get(id) ?? null));
  }

  /** Committed means in the WAL; `synchronous = NORMAL` may lose the last commits to a power cut. */
  async confirmStored(): Promise<void> {}

  async ping(): Promise<void> {
    this.#guard(() => this.#db.prepare('SELECT 1').get());
  }

  async countSealed(): Promise<SealCounts> {
    return this.#guard(() => this.#countSealed());
  }

  #countSealed(): SealCounts {
    const counts: SealCounts = { current: 0, previous: 0, none: 0, other: 0 };
    const marks = this.#db
      .prepare<[], Buffer>(`SELECT substr(sealed, 1, ${AT_REST_HEADER_BYTES}) FROM entries UNION ALL SELECT substr(sealed_secret, 1, ${AT_REST_HEADER_BYTES}) FROM session_images`)
      .pluck();
    for (const mark of marks.iterate()) counts[this.#sealing.sealedUnder(mark)]++;
    return counts;
  }

  async reseal(onProgress: (done: number) => void = () => undefined): Promise<SealCounts> {
    let done = 0;
    const stmts = {
      entries: this.#db.prepare<[number, number], { rowid: number; id: string; sealed: Buffer }>(
        'SELECT rowid, id, sealed FROM entries WHERE rowid > ? ORDER BY rowid LIMIT ?',
      ),
      updateEntry: this.#db.prepare('UPDATE entries SET sealed = ? WHERE rowid = ? AND sealed = ?'),
      links: this.#db.prepare<[string, number, number], { key_hash: string; position: number; entry_id: string; sealed_secret: Buffer }>(
        'SELECT key_hash, position, entry_id, sealed_secret FROM session_images WHERE (key_hash, position) > (?, ?) ORDER BY key_hash, position LIMIT ?',
      ),
      updateLink: this.#db.prepare('UPDATE session_images SET sealed_secret = ? WHERE key_hash = ? AND position = ? AND sealed_secret = ?'),
    };
    // A batch per short transaction, so the service's own writes wait microseconds, not the whole pass.
    const entryBatch = this.#db.transaction((after: number) => {
      const rows = stmts.entries.all(after, RESEAL_BATCH);
      for (const { rowid, id, sealed } of rows) {
        const resealed = this.#sealing.resealEntry(id, sealed);
        if (resealed) done += stmts.updateEntry.run(resealed, rowid, sealed).changes;
      }
      return rows.at(-1)?.rowid;
    });
    const linkBatch = this.#db.transaction((after: [string, number]) => {
      const rows = stmts.links.all(...after, RESEAL_BATCH);
      for (const { key_hash: keyHash, position, entry_id: entryId, sealed_secret: sealedSecret } of rows) {
        const resealed = this.#sealing.resealLink(keyHash, { entryId, sealedSecret });
        if (resealed) done += stmts.updateLink.run(resealed.sealedSecret, keyHash, position, sealedSecret).changes;
      }
      const last = rows.at(-1);
      return last && ([last.key_hash, last.position] as [string, number]);
    });
    for (let after = entryBatch.immediate(0); after !== undefined; after = entryBatch.immediate(after)) {
      onProgress(done);
      await yieldToEvents();
    }
    for (let after = linkBatch.immediate(['', -1]); after !== undefined; after = linkBatch.immediate(after)) {
      onProgress(done);
      await yieldToEvents();
    }
    onProgress(done);
    const left = this.#db
      .transaction(() => {
        const counts = this.#countSealed();
        if (counts.previous === 0) adoptSealRecord(this.#db, this.#sealing, true);
        return counts;
      })
      .immediate();
    // The old seals stay in the WAL's page images until it is truncated.
    this.#forgetDeleted();
    return left;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #use(keyHash: string): boolean {
    const lastUsedAt = this.#stmts.lastUsedAt.get(keyHash) as number | undefined;
    return lastUsedAt !== undefined && this.#isLive(keyHash, lastUsedAt);
  }

  #isLive(keyHash: string, lastUsedAt: number): boolean {
    const { idleTtlMs, clock } = this.#expiry;
    if (idleTtlMs === undefined) return true;
    const now = clock();
    if (now - lastUsedAt >= idleTtlMs) return false;
    // A write per read halved GET /summary: skip it within min(TTL / 100, 1 min) of the last.
    if (now - lastUsedAt >= Math.min(idleTtlMs / 100, MAX_TOUCH_DELAY_MS)) this.#stmts.touch.run(now, keyHash);
    return true;
  }

  #deleteOrphans(unlinked: readonly string[]): string[] {
    const orphans = [...new Set(unlinked)].filter((id) => !this.#stmts.isLinked.get(id));
    for (const id of orphans) this.#stmts.deleteEntry.run(id);
    return orphans;
  }

  #forgetDeleted(): void {
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
  }

  #guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof Database.SqliteError) {
        throw new Failure('storage_unavailable', 'Storage is unavailable; try again shortly.', { cause: error });
      }
      throw error;
    }
  }
}

const RESEAL_BATCH = 200;

function parseLinks(concatenated: string | null): ImageLink[] {
  const parts = concatenated === null ? [] : concatenated.split(' ');
  const links: ImageLink[] = [];
  for (let i = 0; i < parts.length; i += 2) links.push({ entryId: parts[i]!, sealedSecret: Buffer.from(parts[i + 1]!, 'hex') });
  return links;
}

function prepareStatements(db: Database.Database) {
  return {
    createSession: db.prepare('INSERT INTO sessions (key_hash, created_at, last_used_at) VALUES (?, ?, ?)'),
    lastUsedAt: db.prepare('SELECT last_used_at FROM sessions WHERE key_hash = ?').pluck(),
    touch: db.prepare('UPDATE sessions SET last_used_at = ? WHERE key_hash = ?'),
    entriesOfExpired: db
      .prepare('SELECT DISTINCT entry_id FROM session_images JOIN sessions USING (key_hash) WHERE last_used_at <= ?')
      .pluck(),
    deleteExpired: db.prepare('DELETE FROM sessions WHERE last_used_at <= ?'),
    // The session and its links in one row: ~7 µs, where a row and a Buffer per link took 18-23 µs.
    listImages: db
      .prepare(
        `SELECT last_used_at, (
           SELECT group_concat(entry_id || ' ' || hex(sealed_secret), ' ' ORDER BY position)
           FROM session_images WHERE session_images.key_hash = sessions.key_hash
         ) FROM sessions WHERE key_hash = ?`,
      )
      .raw(),
    listEntryIds: db.prepare('SELECT entry_id FROM session_images WHERE key_hash = ?').pluck(),
    insertEntry: db.prepare('INSERT OR IGNORE INTO entries (id, sealed) VALUES (?, ?)'),
    linkImage: db.prepare('INSERT INTO session_images (key_hash, position, entry_id, sealed_secret) VALUES (?, ?, ?, ?)'),
    unlinkAll: db.prepare('DELETE FROM session_images WHERE key_hash = ? RETURNING entry_id').pluck(),
    isLinked: db.prepare('SELECT 1 FROM session_images WHERE entry_id = ? LIMIT 1').pluck(),
    deleteEntry: db.prepare('DELETE FROM entries WHERE id = ?'),
    findEntry: db.prepare<[string], Uint8Array>('SELECT sealed FROM entries WHERE id = ?').pluck(),
  };
}

/** Folder 0700 if created here, database, WAL and shm 0600 whatever the umask: they hold every session's metadata. */
function ownerOnly(path: string): void {
  const folder = dirname(path);
  if (!existsSync(folder)) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    chmodSync(folder, 0o700);
  }
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}
