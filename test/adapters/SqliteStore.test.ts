import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/sqlite/SqliteStore.ts';
import { sessionStoreContract } from '../contracts/sessionStoreContract.ts';

const dir = mkdtempSync(join(tmpdir(), 'faces-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `store-${files++}.db`);

sessionStoreContract('sqlite', (expiry) => new SqliteStore(freshFile(), expiry));

describe('SqliteStore on a real file', () => {
  const image = (n: number) => ({ sha256: `sha-${n}`, faces: [{ encoding: Array.from({ length: 128 }, () => n) }] });

  it('keeps everything across a close and reopen', async () => {
    const path = freshFile();
    const first = new SqliteStore(path);
    await first.createSession('session');
    await first.addImage('session', image(1), 5);
    await first.close();

    const reopened = new SqliteStore(path);
    expect(await reopened.listImages('session')).toEqual(['sha-1']);
    expect(await reopened.findEncodings(['sha-1'])).toEqual([image(1)]);
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
