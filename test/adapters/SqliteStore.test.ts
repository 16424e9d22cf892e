import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyvEncodingCache } from '../../src/adapters/keyv/KeyvEncodingCache.ts';
import { memoryKeyv } from '../../src/adapters/keyv/memoryKeyv.ts';
import { SqliteStore } from '../../src/adapters/sqlite/SqliteStore.ts';
import { SCHEMA_VERSION } from '../../src/adapters/sqlite/sqliteSchema.ts';
import { hashApiKey, sha256Hex } from '../../src/domain/hashing.ts';
import { atRestContract } from '../contracts/atRestContract.ts';
import { sessionStoreContract } from '../contracts/sessionStoreContract.ts';
import { writeV1Database } from '../support/sqliteV1.ts';

const dir = mkdtempSync(join(tmpdir(), 'faces-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `store-${files++}.db`);

sessionStoreContract('sqlite', (expiry) => new SqliteStore(freshFile(), expiry));

/** The database file with its WAL and shared-memory index, as a copy of the data folder would hold them. */
const fileBytes = (path: string) =>
  Buffer.concat(['', '-wal', '-shm'].map((suffix) => (existsSync(path + suffix) ? readFileSync(path + suffix) : Buffer.alloc(0))));

atRestContract('sqlite', async (expiry) => {
  const path = freshFile();
  const store = new SqliteStore(path, expiry);
  return {
    store,
    cache: new KeyvEncodingCache(memoryKeyv(100)),
    raw: [{ name: 'the SQLite file, WAL and index', read: async () => fileBytes(path), forgetsDeleted: true }],
    close: () => store.close(),
  };
});

describe('SqliteStore on a real file', () => {
  const link = (n: number) => ({ entryId: `entry-${n}`, sealedSecret: Buffer.from(`secret ${n}`) });

  it('keeps everything across a close and reopen', async () => {
    const path = freshFile();
    const first = new SqliteStore(path);
    await first.createSession('session');
    await first.addImage('session', link(1), Buffer.from('sealed 1'), 5);
    await first.close();

    const reopened = new SqliteStore(path);
    expect(await reopened.listImages('session')).toEqual([link(1)]);
    expect(await reopened.findEntries(['entry-1'])).toEqual([Buffer.from('sealed 1')]);
    await reopened.close();
  });

  it('never lets writers in separate threads put more than the limit in one session', async () => {
    const path = freshFile();
    const setup = new SqliteStore(path);
    await setup.createSession('shared');
    await setup.close();

    // Each thread has its own connection: the only thing between them is SQLite's lock.
    const runWriter = (writer: number) =>
      new Promise<string[]>((resolve, reject) => {
        const worker = new Worker(new URL('../support/sqliteWriter.ts', import.meta.url), {
          workerData: { path, writer, attempts: 10 },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const outcomes = (await Promise.all([runWriter(1), runWriter(2), runWriter(3)])).flat();
    expect(outcomes.filter((o) => o === 'added')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'full')).toHaveLength(25);

    const check = new SqliteStore(path);
    expect(await check.listImages('shared')).toHaveLength(5);
    await check.close();
  });
});

describe('a file made before schema versions (version 1: encodings in plain JSON)', () => {
  const v1Image = (seed: number) => ({
    sha256: sha256Hex(`image ${seed}`),
    faces: [{ encoding: Array.from({ length: 128 }, (_, i) => Math.fround(Math.sin(seed * 1000 + i))), box: { x: 1, y: 2, width: 3, height: 4 } }],
  });
  const versionOf = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return db.pragma('user_version', { simple: true });
    } finally {
      db.close();
    }
  };

  it('is upgraded: its plaintext goes from every page of the file, its sessions and their keys stay, and it works on', async () => {
    const path = freshFile();
    const [live, cleared] = [hashApiKey(crypto.randomUUID()), hashApiKey(crypto.randomUUID())];
    const images = [v1Image(1), v1Image(2), v1Image(3)];
    writeV1Database(path, [{ keyHash: live, images: images.slice(0, 2) }, { keyHash: cleared, images: images.slice(2) }], [cleared]);
    const numbers = images.flatMap((image) => image.faces.flatMap((face) => face.encoding)).map((n) => JSON.stringify(n));
    // Version 1 kept them readable, the cleared session's too, in free pages (all but the
    // few a page boundary cuts in two).
    const before = fileBytes(path);
    expect(numbers.filter((n) => before.includes(n)).length).toBeGreaterThan(numbers.length * 0.95);
    expect(numbers.slice(256).filter((n) => before.includes(n)).length).toBeGreaterThan(120);
    expect(versionOf(path)).toBe(0);

    const store = new SqliteStore(path);
    const after = fileBytes(path);
    expect(numbers.filter((n) => after.includes(n))).toEqual([]);
    expect(images.filter((image) => after.includes(image.sha256))).toEqual([]);
    expect(versionOf(path)).toBe(SCHEMA_VERSION);
    expect(await store.listImages(live)).toEqual([]);
    expect(await store.listImages(cleared)).toEqual([]);

    const link = { entryId: 'entry', sealedSecret: Buffer.from('sealed secret') };
    expect(await store.addImage(live, link, Buffer.from('sealed entry'), 5)).toBe('added');
    await store.close();
    const reopened = new SqliteStore(path);
    expect(await reopened.listImages(live)).toEqual([link]);
    await reopened.close();
  });

  it('refuses a file from a newer build, naming both versions', async () => {
    const path = freshFile();
    await new SqliteStore(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new SqliteStore(path)).toThrow(`schema version ${SCHEMA_VERSION + 1}; this build reads up to ${SCHEMA_VERSION}`);
  });
});
