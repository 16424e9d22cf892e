import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyvEncodingCache } from '../../src/adapters/keyv/KeyvEncodingCache.ts';
import { memoryKeyv } from '../../src/adapters/keyv/memoryKeyv.ts';
import { SealMismatchError } from '../../src/adapters/SealMismatchError.ts';
import { SqliteStore } from '../../src/adapters/sqlite/SqliteStore.ts';
import { SCHEMA_VERSION } from '../../src/adapters/sqlite/sqliteSchema.ts';
import { hashApiKey, sha256Hex } from '../../src/domain/hashing.ts';
import { atRestContract } from '../contracts/atRestContract.ts';
import { rotationContract } from '../contracts/rotationContract.ts';
import { sessionStoreContract } from '../contracts/sessionStoreContract.ts';
import { copyV2Database, v2Bytes, v2Data, v2Images, v2Keys } from '../support/sealedV2.ts';
import { freshSealing } from '../support/sealing.ts';
import { writeV1Database } from '../support/sqliteV1.ts';
import { type Loot, plunder } from '../support/thief.ts';
import { useCasesOver } from '../support/useCasesOver.ts';

const dir = mkdtempSync(join(tmpdir(), 'faces-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `store-${files++}.db`);

const { secret, cipher, sealing } = freshSealing();
sessionStoreContract('sqlite', (expiry) => new SqliteStore(freshFile(), sealing, expiry));

/** The database file with its WAL and shared-memory index, as a copy of the data folder would hold them. */
const fileBytes = (path: string) =>
  Buffer.concat(['', '-wal', '-shm'].map((suffix) => (existsSync(path + suffix) ? readFileSync(path + suffix) : Buffer.alloc(0))));

function versionOf(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true });
  } finally {
    db.close();
  }
}

/** The file with its WAL and index copied elsewhere, and every table of the copy read out with SQLite. */
function stealFile(path: string): Loot {
  const copy = join(mkdtempSync(join(dir, 'stolen-')), 'faces.db');
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) copyFileSync(path + suffix, copy + suffix);
  const db = new Database(copy);
  const text: string[] = [];
  const values: Buffer[] = [];
  for (const table of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]) {
    for (const row of db.prepare(`SELECT * FROM "${table}"`).raw().all() as unknown[][]) {
      for (const cell of row) if (cell instanceof Buffer) values.push(cell);
      else text.push(String(cell));
    }
  }
  db.close();
  return { text: text.join('\n'), values };
}

rotationContract('sqlite', async () => {
  const path = freshFile();
  const opened: SqliteStore[] = [];
  return {
    async open(sealing) {
      const store = new SqliteStore(path, sealing);
      opened.push(store);
      return store;
    },
    steal: async () => stealFile(path),
    close: async () => void (await Promise.all(opened.map((store) => store.close()))),
  };
});

atRestContract('sqlite', async (expiry, sealing) => {
  const path = freshFile();
  const store = new SqliteStore(path, sealing, expiry);
  return {
    store,
    cache: new KeyvEncodingCache(memoryKeyv(100)),
    raw: [{ name: 'the SQLite file, WAL and index', read: async () => fileBytes(path), forgetsDeleted: true }],
    steal: async () => stealFile(path),
    close: () => store.close(),
  };
});

describe('SqliteStore on a real file', () => {
  const link = (n: number) => ({ entryId: `entry-${n}`, sealedSecret: Buffer.from(`secret ${n}`) });

  it('keeps everything across a close and reopen', async () => {
    const path = freshFile();
    const first = new SqliteStore(path, sealing);
    await first.createSession('session');
    await first.addImage('session', link(1), Buffer.from('sealed 1'), 5);
    await first.close();

    const reopened = new SqliteStore(path, sealing);
    expect(await reopened.listImages('session')).toEqual([link(1)]);
    expect(await reopened.findEntries(['entry-1'])).toEqual([Buffer.from('sealed 1')]);
    await reopened.close();
  });

  it('never lets writers in separate threads put more than the limit in one session', async () => {
    const path = freshFile();
    const setup = new SqliteStore(path, sealing);
    await setup.createSession('shared');
    await setup.close();

    // Each thread has its own connection: the only thing between them is SQLite's lock.
    const runWriter = (writer: number) =>
      new Promise<string[]>((resolve, reject) => {
        const worker = new Worker(new URL('../support/sqliteWriter.ts', import.meta.url), {
          workerData: { path, secret, writer, attempts: 10 },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const outcomes = (await Promise.all([runWriter(1), runWriter(2), runWriter(3)])).flat();
    expect(outcomes.filter((o) => o === 'added')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'full')).toHaveLength(25);

    const check = new SqliteStore(path, sealing);
    expect(await check.listImages('shared')).toHaveLength(5);
    await check.close();
  });
});

describe('a file made before schema versions (version 1: encodings in plain JSON)', () => {
  const v1Image = (seed: number) => ({
    sha256: sha256Hex(`image ${seed}`),
    faces: [{ encoding: Array.from({ length: 128 }, (_, i) => Math.fround(Math.sin(seed * 1000 + i))), box: { x: 1, y: 2, width: 3, height: 4 } }],
  });

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

    const store = new SqliteStore(path, sealing);
    const after = fileBytes(path);
    expect(numbers.filter((n) => after.includes(n))).toEqual([]);
    expect(images.filter((image) => after.includes(image.sha256))).toEqual([]);
    expect(versionOf(path)).toBe(SCHEMA_VERSION);
    expect(await store.listImages(live)).toEqual([]);
    expect(await store.listImages(cleared)).toEqual([]);

    const link = { entryId: 'entry', sealedSecret: Buffer.from('sealed secret') };
    expect(await store.addImage(live, link, Buffer.from('sealed entry'), 5)).toBe('added');
    await store.close();
    const reopened = new SqliteStore(path, sealing);
    expect(await reopened.listImages(live)).toEqual([link]);
    await reopened.close();
  });

  it('refuses a file from a newer build, naming both versions', async () => {
    const path = freshFile();
    await new SqliteStore(path, sealing).close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new SqliteStore(path, sealing)).toThrow(`schema version ${SCHEMA_VERSION + 1}; this build reads up to ${SCHEMA_VERSION}`);
  });
});

describe('the server-held secret', () => {
  it('is checked: a file sealed under another secret is refused and left as it was', async () => {
    const path = freshFile();
    const first = new SqliteStore(path, sealing);
    await first.createSession('session');
    await first.close();
    expect(() => new SqliteStore(path, freshSealing().sealing)).toThrow(SealMismatchError);
    const again = new SqliteStore(path, sealing);
    expect(await again.listImages('session')).toEqual([]);
    await again.close();
  });
});

describe('a file sealed before the server-held secret (schema 2, by that build)', () => {
  const { a, b, cleared } = v2Keys;
  const sha256s = [v2Images.one, v2Images.both, v2Images.other, v2Images.gone].map((image) => image.sha256);
  const v2File = () => {
    const path = freshFile();
    copyV2Database(path);
    return path;
  };
  it('opens to a copy and a photo, as the security review found', () => {
    expect(plunder(stealFile(v2File()), { sha256s })).toEqual(
      expect.arrayContaining(['found the schema-2 id of photo 0', "opened value 0 as photo 0's schema-2 entry"]),
    );
  });

  it('is upgraded when opened: each session opens its faces with its key, retries are answered from storage, and clears delete what no session holds', async () => {
    const path = v2File();
    await new SqliteStore(path, sealing).close();
    expect(versionOf(path)).toBe(SCHEMA_VERSION);
    const store = new SqliteStore(path, sealing); // a second open finds nothing to do
    const app = useCasesOver(store, cipher);
    expect(await app.summary.execute({ key: a })).toEqual([v2Images.one, v2Images.both]);
    expect(await app.summary.execute({ key: b })).toEqual([v2Images.both, v2Images.other]);
    expect(await app.summary.execute({ key: cleared })).toEqual([]);
    expect(await app.encode.execute({ key: b, image: v2Bytes.other })).toEqual(v2Images.other);
    expect(app.encoder.calls).toBe(0);

    await app.clear.execute({ key: a });
    expect(await app.summary.execute({ key: b })).toEqual([v2Images.both, v2Images.other]);
    await app.clear.execute({ key: b });
    expect(stealFile(path).values).toEqual([]);
    await store.close();
  });

  it('keeps no old id or seal in the file, and a copy of it with the photos and the API keys opens nothing without the secret', async () => {
    const path = v2File();
    await new SqliteStore(path, sealing).close();
    const raw = fileBytes(path);
    expect(v2Data.entryIds.filter((id) => raw.includes(id) || raw.includes(Buffer.from(id, 'hex')))).toEqual([]);
    const oldSeals = [...v2Data.entryIds.map((id) => v2Data.entry(id)), ...[a, b].flatMap((key) => v2Data.links(key).map((link) => link.sealedSecret))];
    expect(oldSeals.filter((sealed) => raw.includes(sealed.subarray(0, 24)) || raw.includes(sealed.subarray(-24)))).toEqual([]);

    const loot = stealFile(path);
    expect(plunder(loot, { sha256s, apiKeys: [a, b, cleared] })).toEqual([]);
    // With the secret, a photo still finds and opens its upgraded entry (no API key was at hand to
    // bind it to), until its sessions clear: docs/adr/0009-security-and-biometric-data-at-rest.md's threat model says so. The keys add the links.
    const withSecret = plunder(loot, { sha256s, secret });
    expect(withSecret.filter((what) => what.startsWith('found'))).toEqual([0, 1, 2].map((photo) => `found the upgraded schema-2 id of photo ${photo}`));
    expect(withSecret.every((what) => what.includes('upgraded schema-2'))).toBe(true);
    expect(plunder(loot, { sha256s, apiKeys: [a, b], secret }).some((what) => what.endsWith('as a link with API key 1'))).toBe(true);
  });
});

describe('SqliteStore on disk', () => {
  it('keeps its folder and files to their owner, whatever the umask: 0700, and 0600 for the database, its WAL and its shared memory', async () => {
    const path = join(dir, 'private', 'nested', 'faces.db');
    const umask = process.umask(0);
    let store: SqliteStore;
    try {
      store = new SqliteStore(path, sealing);
      await store.createSession(hashApiKey(crypto.randomUUID()));
    } finally {
      process.umask(umask);
    }
    try {
      expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      await store.close();
    }
  });

  it('takes a file an older version left readable by others back to its owner', () => {
    const path = join(dir, 'older.db');
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    void new SqliteStore(path, sealing).close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
