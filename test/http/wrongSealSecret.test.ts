import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeCipher } from '../../src/adapters/crypto/NodeCipher.ts';
import { SqliteStore } from '../../src/adapters/sqlite/SqliteStore.ts';
import { storageSealingOf } from '../../src/domain/sealing.ts';
import { connectedClient, deletePrefix, freePort, freshPrefix, hasRedis } from '../support/redis.ts';
import { freshSealing, TEST_SEAL_SECRET } from '../support/sealing.ts';
import { entryPoints } from '../support/spawnService.ts';

// Storage sealed under one secret, a service started with another: everything would look
// lost, so it must refuse to run, say why, and not be restarted in a loop by its primary.
const dir = mkdtempSync(join(tmpdir(), 'faces-wrong-secret-'));
const prefixes: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) await deletePrefix(prefix);
});

async function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [entryPoints.api], {
    // No engine to load: the refusal comes before any encode.
    env: { ...process.env, PORT: String(await freePort()), HOST: '127.0.0.1', ENCODER_URL: 'http://127.0.0.1:9/v1/selfie', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: { msg: string }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => logs.push(JSON.parse(line) as { msg: string }));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = await once(child, 'exit');
  clearTimeout(killer);
  return { code, said: stderr + logs.map((line) => line.msg).join('\n'), stderr, logs };
}

let files = 0;
function sqliteSealedElsewhere(): string {
  const path = join(dir, `faces-${files++}.db`);
  void new SqliteStore(path, freshSealing().sealing).close();
  return path;
}

describe('storage sealed under another secret than the configured one', () => {
  it.each([['one process', '1'], ['several processes', '2']])('SQLite, %s: the service says so and exits 1, without a stack', async (_, processes) => {
    const { code, said, stderr, logs } = await start({ STORAGE: 'sqlite', SQLITE_PATH: sqliteSealedElsewhere(), WEB_CONCURRENCY: processes });
    expect(code).toBe(1);
    expect(said).toContain('was sealed under another sealing secret than the one configured');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(said).not.toContain(TEST_SEAL_SECRET);
    expect(logs.filter((line) => /listening|workers starting/.test(line.msg))).toEqual([]);
  });

  it.skipIf(!hasRedis).each([['one process', '1'], ['several processes', '2']])(
    'Redis, %s: found once Redis answers; the service says so and exits 1, and no worker is started again',
    async (_, processes) => {
      const prefix = freshPrefix();
      prefixes.push(prefix);
      const client = await connectedClient();
      await client.set(`${prefix}seal-check`, freshSealing().cipher.check);
      client.destroy();
      const { code, said, stderr, logs } = await start({ STORAGE: 'redis', CACHE: 'redis', REDIS_KEY_PREFIX: prefix, WEB_CONCURRENCY: processes });
      expect(code).toBe(1);
      expect(said).toContain(`Redis under the prefix "${prefix}" was sealed under another sealing secret`);
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(logs.filter((line) => line.msg === 'an HTTP worker died; starting another')).toEqual([]);
    },
  );

  it('SQLite mid-rotation: a start with the new secret alone is refused, saying the previous one is still needed', async () => {
    const path = join(dir, `faces-${files++}.db`);
    const [old, next] = [freshSealing(), freshSealing()];
    new SqliteStore(path, old.sealing).close();
    // A first start with both secrets records the rotation.
    void new SqliteStore(path, storageSealingOf(new NodeCipher(next.secret, { previous: old.secret, rootFromStorage: true }))).close();
    const { code, said, stderr } = await start({ STORAGE: 'sqlite', SQLITE_PATH: path, SEAL_SECRET: next.secret.toString('base64') });
    expect(code).toBe(1);
    expect(said).toContain('set SEAL_SECRET_PREVIOUS (or _FILE) to it and run `npm run reseal`');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(said).not.toContain(next.secret.toString('base64'));
  });
});
