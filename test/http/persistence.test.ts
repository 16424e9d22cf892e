import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.ts';
import { newSession, upload } from '../support/startApp.ts';

const dir = mkdtempSync(join(tmpdir(), 'faces-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const main = fileURLToPath(new URL('../../src/app/main.ts', import.meta.url));

/** Starts the real entry point (`npm start`'s command) and waits for its "listening" line. */
async function startMain(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ENCODER_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    const entry = JSON.parse(line) as { msg: string; port?: number };
    if (entry.msg === 'face-sessions listening') return { child, url: `http://127.0.0.1:${entry.port}` };
  }
  throw new Error('the service exited before it listened');
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  return code as number | null;
}

describe('npm start on SQLite', () => {
  it('keeps sessions and encodings across a restart on the same file, and exits 0 on SIGTERM', async () => {
    const env = { STORAGE: 'sqlite', SQLITE_PATH: join(dir, 'nested', 'faces.db') };
    const first = await startMain(env);
    const key = await newSession(first.url);
    const encoded = await (await upload(first.url, key, fixture('one-face-soccer.jpg'))).json();
    const before = await (await fetch(`${first.url}/summary`, { headers: { key } })).json();
    expect(await stop(first.child)).toBe(0);

    const second = await startMain(env);
    try {
      const after = await fetch(`${second.url}/summary`, { headers: { key } });
      expect(after.status).toBe(200);
      expect(await after.json()).toEqual(before);
      expect(before).toEqual({ image_encodings: [encoded] });
    } finally {
      expect(await stop(second.child)).toBe(0);
    }
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const child = spawn(process.execPath, [main], { env: { ...process.env, PORT: 'eighty', STORAGE: 'mongo' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toContain('PORT="eighty"');
    expect(stderr).toContain('STORAGE="mongo"');
  });
});
