import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.ts';
import { type RunningApp, startApp } from '../support/startApp.ts';

// The client example in docs/api.md is examples/verification.ts, run here as a consumer runs it:
// plain Node importing the package's `face-sessions/client` entry.
const example = fileURLToPath(new URL('../../examples/verification.ts', import.meta.url));
const readme = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

let app: RunningApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

describe("the client example in docs/api.md", () => {
  it('is in docs/api.md word for word', () => {
    const code = readFileSync(example, 'utf8').slice(readFileSync(example, 'utf8').indexOf('import '));
    expect(readme).toContain(`\`\`\`ts\n${code}\`\`\``);
  });

  it('starts a session, uploads two photos of one person, gets the verdict and clears the session', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'faces-example-'));
    const soccer = fixture('one-face-soccer.jpg');
    const photos = [join(folder, 'first.jpg'), join(folder, 'second.jpg')];
    writeFileSync(photos[0]!, soccer);
    writeFileSync(photos[1]!, await sharp(soccer).resize(700).jpeg().toBuffer());

    const { stdout } = await promisify(execFile)(process.execPath, [example, app.url, ...photos]);
    expect(stdout).toBe(`${photos[0]}: 1 face(s)\n${photos[1]}: 1 face(s)\nsame person: true\n`);
    const requests = app.logs
      .map((line) => JSON.parse(line) as { msg: string; method: string; path: string; status: number })
      .filter((line) => line.msg === 'request' && line.path !== '/ready' && line.path !== '/openapi.json');
    expect(requests.map(({ method, path, status }) => `${method} ${path} ${status}`)).toEqual([
      'POST /session 201',
      'POST /encode 200',
      'POST /encode 200',
      'GET /verification 200',
      'DELETE /session 204',
    ]);
  });
});
