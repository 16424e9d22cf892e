import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { loadSealSecret, sealSecrets } from '../../src/app/sealSecret.ts';

const dir = mkdtempSync(join(tmpdir(), 'faces-seal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `folder-${files++}`, 'seal.key');

function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger('info', sink) };
}

describe('the sealing secret file', () => {
  it('is created on first start, readable by its owner only, in a folder of its own, and read back the same afterwards', () => {
    const path = freshPath();
    const { lines, logger } = capturingLogger();
    const secret = loadSealSecret({ SEAL_SECRET_FILE: path }, logger);
    expect(secret).toHaveLength(32);
    expect(readFileSync(path, 'utf8').trim()).toBe(secret.toString('base64'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(path, '..'))).toEqual(['seal.key']); // no draft left behind
    expect(lines.join('')).toContain('created a new sealing secret');
    expect(lines.join('')).not.toContain(secret.toString('base64'));

    const again = capturingLogger();
    expect(loadSealSecret({ SEAL_SECRET_FILE: path }, again.logger)).toEqual(secret);
    expect(again.lines).toEqual([]);
  });

  it('is one secret for processes that start at once', async () => {
    const path = freshPath();
    const startAt = Date.now() + 2500; // every process is loaded by then, and they race from there
    const script = `
      import { loadSealSecret } from ${JSON.stringify(new URL('../../src/app/sealSecret.ts', import.meta.url).href)};
      import { createLogger } from ${JSON.stringify(new URL('../../src/app/logger.ts', import.meta.url).href)};
      while (Date.now() < ${startAt});
      const secret = loadSealSecret({ SEAL_SECRET_FILE: ${JSON.stringify(path)} }, createLogger('silent'));
      console.log(secret.toString('base64'));`;
    const seen = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        await once(child, 'exit');
        return out.trim();
      }),
    );
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).toBe(readFileSync(path, 'utf8').trim());
  });

  it('is used as it is when others can read it (as Docker mounts secrets), with a warning', () => {
    const path = freshPath();
    mkdirSync(join(path, '..'));
    const secret = randomBytes(32);
    writeFileSync(path, secret.toString('base64'));
    chmodSync(path, 0o444);
    const { lines, logger } = capturingLogger();
    expect(loadSealSecret({ SEAL_SECRET_FILE: path }, logger)).toEqual(secret);
    expect(lines.join('')).toContain('chmod 600');
  });

  it('is refused when it holds no secret of at least 32 bytes (or 32 zeros), or cannot be read, without printing what it holds', () => {
    const path = freshPath();
    mkdirSync(join(path, '..'));
    const short = Buffer.alloc(16, 5).toString('base64');
    writeFileSync(path, short);
    const { logger } = capturingLogger();
    expect(() => loadSealSecret({ SEAL_SECRET_FILE: path }, logger)).toThrow(ConfigError);
    expect(() => loadSealSecret({ SEAL_SECRET_FILE: path }, logger)).not.toThrow(short);
    writeFileSync(path, Buffer.alloc(32).toString('base64'));
    expect(() => loadSealSecret({ SEAL_SECRET_FILE: path }, logger)).toThrow('no secret');
    expect(() => loadSealSecret({ SEAL_SECRET_FILE: join(path, '..') }, logger)).toThrow('cannot read');
    expect(() => loadSealSecret({ SEAL_SECRET_FILE: join(path, 'under a file') }, logger)).toThrow('cannot read');
    // Not even root can make a folder there.
    expect(() => loadSealSecret({ SEAL_SECRET_FILE: '/sys/face-sessions/seal.key' }, logger)).toThrow('cannot create');
  });

  it('is not read or created when SEAL_SECRET is given', () => {
    const path = freshPath();
    const secret = Buffer.alloc(32, 3);
    expect(loadSealSecret({ SEAL_SECRET: secret, SEAL_SECRET_FILE: path }, capturingLogger().logger)).toEqual(secret);
    expect(() => statSync(path)).toThrow();
  });
});

describe('the previous sealing secret, while rotating', () => {
  it('is read from SEAL_SECRET_PREVIOUS_FILE, never created, and refused when it is the current secret', () => {
    const { logger } = capturingLogger();
    const [current, previous] = [randomBytes(32), randomBytes(32)];
    const path = freshPath();
    const settings = { SEAL_SECRET: current, SEAL_SECRET_FILE: './unused' };
    expect(() => sealSecrets({ ...settings, SEAL_SECRET_PREVIOUS_FILE: path }, logger)).toThrow(ConfigError);
    expect(() => readFileSync(path)).toThrow(); // not created
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `${previous.toString('base64')}\n`);
    expect(sealSecrets({ ...settings, SEAL_SECRET_PREVIOUS_FILE: path }, logger)).toEqual({ current, previous });
    expect(sealSecrets(settings, logger)).toEqual({ current });
    expect(() => sealSecrets({ ...settings, SEAL_SECRET_PREVIOUS: current }, logger)).toThrow('is the current sealing secret');
  });
});
