// Runs in a worker thread: one SQLite connection racing others to fill one session.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore } from '../../src/adapters/sqlite/SqliteStore.ts';
import { freshSealing } from './sealing.ts';

const { path, secret, writer, attempts } = workerData as { path: string; secret: Uint8Array; writer: number; attempts: number };
const store = new SqliteStore(path, freshSealing(Buffer.from(secret)).sealing);
const outcomes: string[] = [];
for (let n = 0; n < attempts; n++) {
  const link = { entryId: `w${writer}-${n}`, sealedSecret: Buffer.from('sealed secret') };
  outcomes.push(await store.addImage('shared', link, Buffer.from('sealed entry'), 5));
}
await store.close();
parentPort?.postMessage(outcomes);
