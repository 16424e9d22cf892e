import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.ts';
import { entryPoints, spawnService, stopService } from '../support/spawnService.ts';
import { newSession, upload } from '../support/startApp.ts';

const dir = mkdtempSync(join(tmpdir(), 'faces-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start on SQLite', () => {
  it('keeps sessions and encodings across a restart on the same file, and exits 0 on SIGTERM', async () => {
    const env = { STORAGE: 'sqlite', SQLITE_PATH: join(dir, 'nested', 'faces.db') };
    const first = await spawnService(entryPoints.api, env);
    const key = await newSession(first.url);
    const encoded = await (await upload(first.url, key, fixture('one-face-soccer.jpg'))).json();
    const before = await (await fetch(`${first.url}/summary`, { headers: { key } })).json();
    // What a copy of the data folder would give away: the file and its WAL, read while the service runs.
    const files = Buffer.concat(['', '-wal'].map((suffix) => env.SQLITE_PATH + suffix).filter(existsSync).map((path) => readFileSync(path)));
    const numbers = (encoded as { faces: { encoding: number[] }[] }).faces.flatMap((face) => face.encoding);
    expect(numbers.filter((n) => files.includes(JSON.stringify(n)))).toEqual([]);
    expect(await stopService(first.child)).toBe(0);

    const second = await spawnService(entryPoints.api, env);
    try {
      const after = await fetch(`${second.url}/summary`, { headers: { key } });
      expect(after.status).toBe(200);
      expect(await after.json()).toEqual(before);
      expect(before).toEqual({ image_encodings: [encoded] });
    } finally {
      expect(await stopService(second.child)).toBe(0);
    }
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const child = spawn(process.execPath, [entryPoints.api], { env: { ...process.env, PORT: 'eighty', STORAGE: 'mongo' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toContain('PORT="eighty"');
    expect(stderr).toContain('STORAGE="mongo"');
  });
});
