import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeCipher } from '../../src/adapters/crypto/NodeCipher.ts';
import { RedisStore } from '../../src/adapters/redis/RedisStore.ts';
import { SqliteStore } from '../../src/adapters/sqlite/SqliteStore.ts';
import { hashApiKey } from '../../src/domain/hashing.ts';
import type { ImageEncodings } from '../../src/domain/ImageEncodings.ts';
import { imageEntryOf, sealImage, sealLink, sessionKeyOf, storageSealingOf } from '../../src/domain/sealing.ts';
import type { ResealableStore, StorageSealing } from '../../src/ports/SessionStore.ts';
import type { Store } from '../contracts/sessionStoreContract.ts';
import { connectedClient, deletePrefix, freshPrefix, hasRedis, redisUrl } from '../support/redis.ts';
import { useCasesOver } from '../support/useCasesOver.ts';

const reseal = fileURLToPath(new URL('../../src/app/reseal.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'faces-reseal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sessions seeded: enough values (two per image) that a re-seal is still running when it is killed. */
const SESSIONS = 5000;

function configured(secret: Buffer, previous?: Buffer) {
  const cipher = new NodeCipher(secret, { ...(previous && { previous }), rootFromStorage: true });
  return { cipher, sealing: storageSealingOf(cipher) };
}

interface Subject {
  readonly env: Record<string, string>;
  open(sealing: StorageSealing): Promise<Store & ResealableStore>;
}

/** `npm run reseal` with the service's configuration: its log lines, and how it ended. */
function run(env: Record<string, string>, secrets: { SEAL_SECRET: string; SEAL_SECRET_PREVIOUS: string }) {
  const child = spawn(process.execPath, [reseal], { env: { ...process.env, LOG_LEVEL: 'info', ...env, ...secrets }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: { msg: string; done?: number }[] = [];
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null }));
  const read = (async () => {
    for await (const line of createInterface({ input: child.stdout! })) lines.push(JSON.parse(line));
  })();
  return { child, lines, exited: exited.then(async (end) => (await read, end)) };
}

async function killOnceItHasDone(child: ChildProcess, lines: { done?: number }[]): Promise<void> {
  while (!lines.some((line) => (line.done ?? 0) > 0)) await new Promise((resolve) => setTimeout(resolve, 2));
  child.kill('SIGKILL');
}

function rotationSurvivesAKill(name: string, makeSubject: () => Promise<Subject & { close(): Promise<void> }>, skip = false) {
  it.skipIf(skip)(`${name}: killed mid-way it leaves every session readable, and run again it finishes; then the new secret alone opens them`, async () => {
    const subject = await makeSubject();
    try {
      const [oldSecret, newSecret] = [randomBytes(32), randomBytes(32)];
      const before = configured(oldSecret);
      const store = await subject.open(before.sealing);
      const keys = Array.from({ length: SESSIONS }, () => randomUUID());
      // Written as EncodeImage writes them, without an encoder: the re-seal only moves sealed bytes.
      for (let i = 0; i < keys.length; i += 100) {
        await Promise.all(keys.slice(i, i + 100).map((key) => seedSession(store, before.cipher, key)));
      }
      const sample = keys.filter((_, i) => i % 250 === 0);
      const summaries = await Promise.all(sample.map((key) => useCasesOver(store, before.cipher).summary.execute({ key })));
      expect(summaries.every((images) => images.length === 1)).toBe(true);

      const secrets = { SEAL_SECRET: newSecret.toString('base64'), SEAL_SECRET_PREVIOUS: oldSecret.toString('base64') };
      const killed = run(subject.env, secrets);
      await killOnceItHasDone(killed.child, killed.lines);
      expect(await killed.exited).toMatchObject({ signal: 'SIGKILL' });

      const rotating = configured(newSecret, oldSecret);
      const rotatingStore = await subject.open(rotating.sealing);
      const midway = await rotatingStore.countSealed();
      expect(midway.current).toBeGreaterThan(0);
      expect(midway.previous).toBeGreaterThan(0);
      expect(midway.current + midway.previous).toBe(2 * SESSIONS);
      const rotatingApp = useCasesOver(rotatingStore, rotating.cipher);
      expect(await Promise.all(sample.map((key) => rotatingApp.summary.execute({ key })))).toEqual(summaries);

      const finished = run(subject.env, secrets);
      expect(await finished.exited).toMatchObject({ code: 0 });
      expect(finished.lines.map((line) => line.msg)).toContain('no stored value needs the previous sealing secret any more: SEAL_SECRET_PREVIOUS can go');

      const after = configured(newSecret);
      const afterStore = await subject.open(after.sealing);
      expect(await afterStore.countSealed()).toEqual({ current: 2 * SESSIONS, previous: 0, none: 0, other: 0 });
      const afterApp = useCasesOver(afterStore, after.cipher);
      expect(await Promise.all(sample.map((key) => afterApp.summary.execute({ key })))).toEqual(summaries);
    } finally {
      await subject.close();
    }
  });
}

async function seedSession(store: Store, cipher: NodeCipher, key: string): Promise<void> {
  const keyHash = hashApiKey(key);
  await store.createSession(keyHash);
  const sha256 = randomBytes(32).toString('hex');
  const image: ImageEncodings = { sha256, faces: [{ encoding: Array.from({ length: 128 }, () => Math.fround(Math.random())), box: { x: 1, y: 2, width: 3, height: 4 }, score: 0.9 }] };
  const entry = imageEntryOf(cipher, key, sha256);
  expect(await store.addImage(keyHash, sealLink(cipher, sessionKeyOf(cipher, key, keyHash), entry), sealImage(cipher, entry, image), 5)).toBe('added');
}

describe('npm run reseal', () => {
  rotationSurvivesAKill('SQLite', async () => {
    const path = join(dir, `${randomUUID()}.db`);
    const opened: SqliteStore[] = [];
    return {
      env: { STORAGE: 'sqlite', SQLITE_PATH: path },
      async open(sealing) {
        opened.push(new SqliteStore(path, sealing));
        return opened.at(-1)!;
      },
      close: async () => void (await Promise.all(opened.map((store) => store.close()))),
    };
  });

  rotationSurvivesAKill(
    'Redis',
    async () => {
      const prefix = freshPrefix();
      const opened: RedisStore[] = [];
      return {
        env: { STORAGE: 'redis', CACHE: 'redis', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix },
        async open(sealing) {
          const store = new RedisStore(await connectedClient(), prefix, sealing);
          await store.open();
          opened.push(store);
          return store;
        },
        async close() {
          await Promise.all(opened.map((store) => store.close()));
          await deletePrefix(prefix);
        },
      };
    },
    !hasRedis,
  );
});
