// The service as the benches run it: its own process, a free port, no rate limits.
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { mallocSettings } from '../src/app/mallocSettings.ts';

export interface RunningService {
  readonly url: string;
  readonly process: ChildProcess;
  /** SIGTERM, then waits for the process to end. */
  stop(): Promise<void>;
}

export async function startService(env: Record<string, string>, stdio: StdioOptions = 'ignore'): Promise<RunningService> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // A sealing secret of its own, created at its first start as the embedded default is, and gone with it.
  const secrets = mkdtempSync(join(tmpdir(), 'faces-bench-secret-'));
  const { SEAL_SECRET: _given, ...environment } = process.env;
  const child = spawn(process.execPath, ['src/app/main.ts'], {
    env: {
      ...environment,
      ...mallocSettings,
      PORT: String(port),
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      RATE_LIMIT_SESSIONS_PER_MINUTE: '0',
      RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
      SEAL_SECRET_FILE: join(secrets, 'seal.key'),
      RATE_LIMIT_UNAUTHORIZED_PER_MINUTE: '0',
      RATE_LIMIT_ENCODES_PER_SESSION_PER_HOUR: '0',
      RATE_LIMIT_ENCODES_PER_ADDRESS_PER_HOUR: '0',
      // Every client of the bench is this one address.
      MAX_UPLOADS_IN_FLIGHT_PER_ADDRESS: '0',
      // The runs send many uploads to one session at once.
      MAX_UPLOADS_IN_FLIGHT_PER_KEY: '0',
      ...env,
    },
    stdio,
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      rmSync(secrets, { recursive: true, force: true });
      resolve();
    }),
  );
  while ((await fetch(`${url}/ready`).catch(() => undefined))?.status !== 200) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode} before it was ready`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    process: child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The memory of the service and every process it started (its HTTP workers), in MiB.
 * PSS, not RSS: the processes share the pages of node's binary and native libraries, and
 * a sum of RSS would count those once per process.
 */
export function treeMemoryMiB(pid: number): number {
  const pss = (id: number) => Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${id}/smaps_rollup`, 'utf8'))?.[1] ?? 0) / 1024;
  const children = (id: number) =>
    readFileSync(`/proc/${id}/task/${id}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  try {
    return pss(pid) + children(pid).reduce((sum, child) => sum + treeMemoryMiB(child), 0);
  } catch {
    return 0; // a process that just ended
  }
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
