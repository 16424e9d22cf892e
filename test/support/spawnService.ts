import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const entryPoints = {
  api: fileURLToPath(new URL('../../src/app/main.ts', import.meta.url)),
  encoder: fileURLToPath(new URL('../../src/app/encoderMain.ts', import.meta.url)),
};

export interface Spawned {
  readonly child: ChildProcess;
  readonly url: string;
  /** The log line that said where it listens. */
  readonly listening: Readonly<Record<string, unknown>>;
}

const LISTENING = new Set(['face-sessions listening', 'face encoder listening']);

/**
 * Starts a real entry point on a free port (its metrics on another) and waits for the log
 * line that says where it serves. An empty variable in `env` means unset.
 */
export async function spawnService(entry: string, env: Record<string, string>): Promise<Spawned> {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', ENCODER_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    const entry = JSON.parse(line) as { msg: string; port?: number };
    if (LISTENING.has(entry.msg)) return { child, url: `http://127.0.0.1:${entry.port}`, listening: entry };
  }
  throw new Error(`${entry} exited before it listened`);
}

/** SIGTERM, then the exit code. */
export async function stopService(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  return code as number | null;
}
