import type Database from 'better-sqlite3';
import type { SealRecordDecision } from '../../ports/Cipher.ts';
import type { StorageSealing } from '../../ports/SessionStore.ts';
import { SEE_SEAL_RECORD } from '../SealMismatchError.ts';

/** Steps by `PRAGMA user_version`; unversioned files read 0 yet hold version 1. Why each: docs/adr/0009-security-and-biometric-data-at-rest.md. */
const steps: readonly { readonly sql: string; readonly upgrade?: typeof upgradeV2; readonly rewritesFile?: boolean }[] = [
  // 1: plaintext encodings.
  {
    sql: `
CREATE TABLE IF NOT EXISTS sessions (
  key_hash     TEXT PRIMARY KEY,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_last_use ON sessions(last_used_at);
CREATE TABLE IF NOT EXISTS encodings (
  sha256 TEXT PRIMARY KEY,
  faces  TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS session_images (
  key_hash TEXT NOT NULL REFERENCES sessions(key_hash) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  sha256   TEXT NOT NULL REFERENCES encodings(sha256),
  PRIMARY KEY (key_hash, sha256)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS session_images_by_sha256 ON session_images(sha256);`,
  },
  // 2: sealed; version 1's images are deleted (they need API keys never stored), sessions kept.
  {
    sql: `
DROP TABLE session_images;
DROP TABLE encodings;
CREATE TABLE entries (
  id     TEXT PRIMARY KEY,  -- derived from the image's SHA-256; tells nothing about it
  sealed BLOB NOT NULL      -- the whole entry, AES-256-GCM under a key derived from the image
);
CREATE TABLE session_images (
  key_hash      TEXT NOT NULL REFERENCES sessions(key_hash) ON DELETE CASCADE,
  position      INTEGER NOT NULL,
  entry_id      TEXT NOT NULL REFERENCES entries(id),
  sealed_secret BLOB NOT NULL,  -- what opens the entry, sealed under the session's key
  PRIMARY KEY (key_hash, position),
  UNIQUE (key_hash, entry_id)
) WITHOUT ROWID;
CREATE INDEX session_images_by_entry ON session_images(entry_id);`,
    rewritesFile: true,
  },
  // 3: re-keyed under the server-held secret (version 2's ids and keys a photo alone gave).
  {
    sql: `CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
    upgrade: upgradeV2,
    rewritesFile: true,
  },
  // 4: the outer layer for rotation and the seal record in `meta`; no table changes.
  { sql: '' },
];

export const SCHEMA_VERSION = steps.length;

/** Links point at the old ids until their turn, so foreign keys are checked at commit. */
function upgradeV2(db: Database.Database, sealing: StorageSealing): void {
  db.pragma('defer_foreign_keys = ON');
  const entries = db.prepare<[number], { rowid: number; id: string; sealed: Buffer }>(
    'SELECT rowid, id, sealed FROM entries WHERE rowid > ? ORDER BY rowid LIMIT 500',
  );
  const rekeyEntry = db.prepare('UPDATE entries SET id = ?, sealed = ? WHERE rowid = ?');
  for (let page = entries.all(0); page.length > 0; page = entries.all(page.at(-1)!.rowid)) {
    for (const { rowid, id, sealed } of page) rekeyEntry.run(sealing.v2EntryId(id), sealing.upgradeV2Entry(id, sealed), rowid);
  }
  const links = db.prepare<[string, number], { key_hash: string; position: number; entry_id: string; sealed_secret: Buffer }>(
    'SELECT key_hash, position, entry_id, sealed_secret FROM session_images WHERE (key_hash, position) > (?, ?) ORDER BY key_hash, position LIMIT 500',
  );
  const rekeyLink = db.prepare('UPDATE session_images SET entry_id = ?, sealed_secret = ? WHERE key_hash = ? AND position = ?');
  for (let page = links.all('', -1); page.length > 0; page = links.all(page.at(-1)!.key_hash, page.at(-1)!.position)) {
    for (const { key_hash: keyHash, position, entry_id: entryId, sealed_secret: sealedSecret } of page) {
      const upgraded = sealing.upgradeV2Link(keyHash, { entryId, sealedSecret });
      rekeyLink.run(upgraded.entryId, upgraded.sealedSecret, keyHash, position);
    }
  }
}

/** One BEGIN IMMEDIATE, so safe for processes opening one file at once; throws for a newer file or one the secrets cannot open. */
export function migrate(db: Database.Database, sealing: StorageSealing): SealRecordDecision {
  const { rewrite, decision } = db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`${db.name} has schema version ${version}; this build reads up to ${SCHEMA_VERSION}. Run a newer build.`);
    }
    const pending = steps.slice(version);
    for (const step of pending) db.exec(step.sql);
    const decision = adoptSealRecord(db, sealing);
    for (const step of pending) step.upgrade?.(db, sealing);
    if (pending.length > 0) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return { rewrite: pending.some((step) => step.rewritesFile), decision };
  }).immediate();
  if (rewrite) {
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
  return decision;
}

/** The record of the secrets the file is sealed under, read and written back in the caller's write transaction. */
export function adoptSealRecord(db: Database.Database, sealing: StorageSealing, settle = false): SealRecordDecision {
  const read = db.prepare<[string], string>('SELECT value FROM meta WHERE name = ?').pluck();
  const record = read.get('seal record') ?? null;
  const decision = sealing.adopt(settle && record !== null ? sealing.settled(record) : record, read.get('seal check') ?? null, db.name);
  if (decision.record !== record) {
    const write = db.prepare('INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)');
    write.run('seal record', decision.record);
    write.run('seal check', SEE_SEAL_RECORD);
  }
  return decision;
}
