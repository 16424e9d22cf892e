import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../support/limitsWithoutPrimary.ts', import.meta.url));
const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
const lines: { msg: string; port?: number; limit?: string; error?: string }[] = [];
createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line) as (typeof lines)[number]));

afterAll(() => {
  child.kill('SIGKILL');
});

describe('a rate limiter whose primary process does not answer', () => {
  it('counts in the worker alone, rather than letting every request through or refusing them all, and says so', async () => {
    const deadline = Date.now() + 20_000;
    while (!lines.some((line) => line.msg === 'listening')) {
      if (Date.now() > deadline) throw new Error('the worker never listened');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = `http://127.0.0.1:${lines.find((line) => line.msg === 'listening')!.port}/`;
    // One a minute is the limit; the primary counts neither request, the worker counts both.
    expect((await fetch(url, { method: 'POST' })).status).toBe(201);
    const second = await fetch(url, { method: 'POST' });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    const countedLocally = lines.filter((line) => line.msg === 'counted locally');
    expect(countedLocally).toHaveLength(2);
    expect(countedLocally[0]).toMatchObject({ limit: 'sessions_per_address', error: expect.stringMatching(/RateLimiterCluster timeout/) });
  });
});
