import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../support/limitsWithoutPrimary.ts', import.meta.url));
const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
const lines: { msg: string; port?: number; error?: string }[] = [];
createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line) as (typeof lines)[number]));

afterAll(() => {
  child.kill('SIGKILL');
});

describe('a rate limiter whose primary process does not answer', () => {
  it('lets requests through uncounted and says so, rather than failing them', async () => {
    const deadline = Date.now() + 20_000;
    while (!lines.some((line) => line.msg === 'listening')) {
      if (Date.now() > deadline) throw new Error('the worker never listened');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = `http://127.0.0.1:${lines.find((line) => line.msg === 'listening')!.port}/`;
    // One a minute is the limit; neither request could be counted.
    expect((await fetch(url, { method: 'POST' })).status).toBe(201);
    expect((await fetch(url, { method: 'POST' })).status).toBe(201);
    const uncounted = lines.filter((line) => line.msg === 'uncounted');
    expect(uncounted).toHaveLength(2);
    expect(uncounted[0]!.error).toMatch(/RateLimiterCluster timeout/);
  });
});
