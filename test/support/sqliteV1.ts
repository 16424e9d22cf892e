import Database from 'better-sqlite3';

/**
 * A database file as the last build before schema versions (ce461de) made it: the same
 * pragmas, schema and statements, encodings in plain JSON. `clear` deletes one session's
 * images the way that build cleared, which leaves their JSON in free pages.
 */
export function writeV1Database(
  path: string,
  sessions: readonly { keyHash: string; images: readonly { sha256: string; faces: unknown[] }[] }[],
  clear: readonly string[] = [],
): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.exec(`
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
`);
  const now = Date.now();
  for (const session of sessions) {
    db.prepare('INSERT INTO sessions (key_hash, created_at, last_used_at) VALUES (?, ?, ?)').run(session.keyHash, now, now);
    session.images.forEach((image, position) => {
      db.prepare('INSERT OR IGNORE INTO encodings (sha256, faces) VALUES (?, ?)').run(image.sha256, JSON.stringify(image.faces));
      db.prepare('INSERT INTO session_images (key_hash, position, sha256) VALUES (?, ?, ?)').run(session.keyHash, position, image.sha256);
    });
  }
  for (const keyHash of clear) {
    const unlinked = db.prepare('DELETE FROM session_images WHERE key_hash = ? RETURNING sha256').pluck().all(keyHash) as string[];
    for (const sha of unlinked) {
      if (!db.prepare('SELECT 1 FROM session_images WHERE sha256 = ? LIMIT 1').pluck().get(sha)) {
        db.prepare('DELETE FROM encodings WHERE sha256 = ?').run(sha);
      }
    }
  }
  db.close();
}
