import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryPoints } from '../support/spawnService.ts';

// A port someone else holds: the service must say so and exit, not crash with a stack
// trace, and a primary must not fork workers for ever.
let taken: Server;
let port: number;

beforeAll(async () => {
  taken = createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  port = (taken.address() as { port: number }).port;
});

afterAll(() => taken.close());

async function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [entryPoints.api], {
    env: { ...process.env, PORT: String(port), METRICS_PORT: '0', HOST: '127.0.0.1', ENCODER_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: { msg: string; code?: string; address?: string }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => logs.push(JSON.parse(line) as (typeof logs)[number]));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = await once(child, 'exit');
  clearTimeout(killer);
  return { code, logs, stderr };
}

describe('a port already in use', () => {
  it('one process: logs the address it cannot listen on and exits 1', async () => {
    const { code, logs, stderr } = await start({ STORAGE: 'memory' });
    expect(code).toBe(1);
    expect(logs.find((line) => line.msg === 'cannot listen')).toMatchObject({ code: 'EADDRINUSE', address: `127.0.0.1:${port}` });
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('several processes: the primary stops the instance after the first worker fails, and exits 1', async () => {
    const sqlitePath = join(mkdtempSync(join(tmpdir(), 'faces-busy-')), 'faces.db');
    const { code, logs, stderr } = await start({ WEB_CONCURRENCY: '2', SQLITE_PATH: sqlitePath });
    expect(code).toBe(1);
    expect(logs.filter((line) => line.msg === 'an HTTP worker failed to start; stopping the instance')).toHaveLength(1);
    expect(logs.filter((line) => line.msg === 'an HTTP worker died; starting another')).toHaveLength(0);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
