import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Failure } from '../../domain/Failure.ts';
import type { Face, ImageEncodings } from '../../domain/ImageEncodings.ts';
import type { EncodingStore } from '../../ports/EncodingStore.ts';
import type { SessionExpiry } from '../../ports/SessionExpiry.ts';
import type { AddImageOutcome, SessionStore } from '../../ports/SessionStore.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  key_hash     TEXT PRIMARY KEY,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_last_use ON sessions(last_used_at);
CREATE TABLE IF NOT EXISTS encodings (
  sha256 TEXT PRIMARY KEY,
  faces  TEXT NOT NULL -- JSON array of faces, numbers kept exactly as the encoder gave them
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS session_images (
  key_hash TEXT NOT NULL REFERENCES sessions(key_hash) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  sha256   TEXT NOT NULL REFERENCES encodings(sha256),
  PRIMARY KEY (key_hash, sha256)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS session_images_by_sha256 ON session_images(sha256);
`;

/**
 * Sessions and encodings in one SQLite file (STORAGE=sqlite). better-sqlite3 is
 * synchronous, so every call holds the event loop for the length of one indexed query:
 * microseconds, which is cheaper than a thread hop. Writes that must be atomic run in
 * BEGIN IMMEDIATE transactions, which also serialise writers in other processes
 * sharing the file.
 */
export class SqliteStore implements SessionStore, EncodingStore {
  readonly #db: Database.Database;
  readonly #stmts: ReturnType<typeof prepareStatements>;
  readonly #addImage: Database.Transaction<(keyHash: string, image: ImageEncodings, limit: number) => AddImageOutcome>;
  readonly #clearSession: Database.Transaction<(keyHash: string) => string[] | null>;
  readonly #deleteExpired: Database.Transaction<() => string[]>;
  readonly #expiry: SessionExpiry;

  constructor(path: string, expiry: SessionExpiry = { clock: Date.now }) {
    this.#expiry = expiry;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    this.#db = db;
    this.#stmts = prepareStatements(db);
    this.#addImage = db.transaction((keyHash: string, image: ImageEncodings, limit: number): AddImageOutcome => {
      if (!this.#use(keyHash)) return 'no_session';
      const held = this.#stmts.listImages.all(keyHash) as string[];
      if (held.includes(image.sha256)) return 'duplicate';
      if (held.length >= limit) return 'full';
      this.#stmts.insertEncoding.run(image.sha256, JSON.stringify(image.faces));
      this.#stmts.linkImage.run(keyHash, held.length, image.sha256);
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
      const unlinked = this.#stmts.imagesOfExpired.all(cutoff) as string[];
      this.#stmts.deleteExpired.run(cutoff); // their links go by ON DELETE CASCADE
      return this.#deleteOrphans(unlinked);
    });
  }

  async createSession(keyHash: string): Promise<void> {
    const now = this.#expiry.clock();
    this.#guard(() => this.#stmts.createSession.run(keyHash, now, now));
  }

  async listImages(keyHash: string): Promise<string[] | null> {
    return this.#guard(() => (this.#use(keyHash) ? (this.#stmts.listImages.all(keyHash) as string[]) : null));
  }

  async addImage(keyHash: string, image: ImageEncodings, limit: number): Promise<AddImageOutcome> {
    return this.#guard(() => this.#addImage.immediate(keyHash, image, limit));
  }

  async clearSession(keyHash: string): Promise<string[] | null> {
    return this.#guard(() => this.#clearSession.immediate(keyHash));
  }

  async deleteExpired(): Promise<string[]> {
    return this.#guard(() => this.#deleteExpired.immediate());
  }

  async findEncodings(sha256s: readonly string[]): Promise<(ImageEncodings | null)[]> {
    return this.#guard(() =>
      sha256s.map((sha256) => {
        const row = this.#stmts.findEncoding.get(sha256);
        return row ? { sha256, faces: JSON.parse(row.faces) as Face[] } : null;
      }),
    );
  }

  async ping(): Promise<void> {
    this.#guard(() => this.#db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  /** Whether the session is live; a live one's TTL restarts (a write only when there is a TTL). */
  #use(keyHash: string): boolean {
    const lastUsedAt = this.#stmts.lastUsedAt.get(keyHash) as number | undefined;
    if (lastUsedAt === undefined) return false;
    const { idleTtlMs, clock } = this.#expiry;
    if (idleTtlMs === undefined) return true;
    const now = clock();
    if (now - lastUsedAt >= idleTtlMs) return false;
    this.#stmts.touch.run(now, keyHash);
    return true;
  }

  /** Deletes the encodings among `unlinked` that no session links any more; returns them. */
  #deleteOrphans(unlinked: readonly string[]): string[] {
    const orphans = [...new Set(unlinked)].filter((sha) => !this.#stmts.isLinked.get(sha));
    for (const sha of orphans) this.#stmts.deleteEncoding.run(sha);
    return orphans;
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

function prepareStatements(db: Database.Database) {
  return {
    createSession: db.prepare('INSERT INTO sessions (key_hash, created_at, last_used_at) VALUES (?, ?, ?)'),
    lastUsedAt: db.prepare('SELECT last_used_at FROM sessions WHERE key_hash = ?').pluck(),
    touch: db.prepare('UPDATE sessions SET last_used_at = ? WHERE key_hash = ?'),
    imagesOfExpired: db
      .prepare('SELECT DISTINCT sha256 FROM session_images JOIN sessions USING (key_hash) WHERE last_used_at <= ?')
      .pluck(),
    deleteExpired: db.prepare('DELETE FROM sessions WHERE last_used_at <= ?'),
    listImages: db.prepare('SELECT sha256 FROM session_images WHERE key_hash = ? ORDER BY position').pluck(),
    insertEncoding: db.prepare('INSERT OR IGNORE INTO encodings (sha256, faces) VALUES (?, ?)'),
    linkImage: db.prepare('INSERT INTO session_images (key_hash, position, sha256) VALUES (?, ?, ?)'),
    unlinkAll: db.prepare('DELETE FROM session_images WHERE key_hash = ? RETURNING sha256').pluck(),
    isLinked: db.prepare('SELECT 1 FROM session_images WHERE sha256 = ? LIMIT 1').pluck(),
    deleteEncoding: db.prepare('DELETE FROM encodings WHERE sha256 = ?'),
    findEncoding: db.prepare<[string], { faces: string }>('SELECT faces FROM encodings WHERE sha256 = ?'),
  };
}
