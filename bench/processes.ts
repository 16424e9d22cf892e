// One process against one per core, serving the same session, loaded by wrk (a load
// generator outside Node, so the server and not the client is what is measured).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneFaceJpegs, threeFaces } from './images.ts';
import { startService, treeMemoryMiB } from './service.ts';

export const hasWrk = spawnSync('wrk', ['--version']).error === undefined;

export interface ProcessesRow {
  readonly processes: number;
  readonly pingPerSecond: number;
  readonly summaryPerSecond: number;
  readonly memoryMiB: number;
}

export async function compareProcessCounts(seconds: number): Promise<ProcessesRow[]> {
  const rows: ProcessesRow[] = [];
  for (const processes of [1, availableParallelism()]) rows.push(await measure(processes, seconds));
  return rows;
}

async function measure(processes: number, seconds: number): Promise<ProcessesRow> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faces-bench-processes-'));
  const service = await startService({
    WEB_CONCURRENCY: String(processes),
    STORAGE: 'sqlite',
    SQLITE_PATH: join(dataDir, 'bench.db'),
  });
  const { url } = service;
  try {
    const key = ((await (await fetch(`${url}/session`, { method: 'POST' })).json()) as { key: string }).key;
    // 5 images and 7 faces, the session the original service was measured with.
    for (const photo of [await threeFaces(0), ...(await oneFaceJpegs(4))]) {
      const form = new FormData();
      form.append('file', new Blob([photo]), 'photo.jpg');
      const response = await fetch(`${url}/encode`, { method: 'POST', body: form, headers: { key } });
      if (response.status !== 200) throw new Error(`filling the session: ${response.status}`);
    }
    const pingPerSecond = wrk(`${url}/ping`, [], seconds);
    const summaryPerSecond = wrk(`${url}/summary`, ['-H', `key: ${key}`], seconds);
    return { processes, pingPerSecond, summaryPerSecond, memoryMiB: Math.round(treeMemoryMiB(service.process.pid!)) };
  } finally {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** wrk with 2 threads and 32 connections; requests a second. */
function wrk(url: string, headers: string[], seconds: number): number {
  const run = spawnSync('wrk', ['-t2', '-c32', `-d${seconds}s`, ...headers, url], { encoding: 'utf8' });
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(run.stdout)?.[1];
  if (!rate || /Non-2xx/.test(run.stdout)) throw new Error(`wrk against ${url}: ${run.stdout}${run.stderr}`);
  return Number(rate);
}
