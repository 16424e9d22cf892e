import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeCipher } from '../../src/adapters/crypto/NodeCipher.ts';
import { SqliteStore } from '../../src/adapters/sqlite/SqliteStore.ts';
import { hashApiKey } from '../../src/domain/hashing.ts';
import { imageEntryOf, sealImage, sealLink, sessionKeyOf, storageSealingOf } from '../../src/domain/sealing.ts';
import { freePort } from '../support/redis.ts';
import { entryPoints, spawnService, stopService } from '../support/spawnService.ts';

const dir = mkdtempSync(join(tmpdir(), 'faces-rotation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a service started mid-rotation (SEAL_SECRET new, SEAL_SECRET_PREVIOUS old)', () => {
  it('answers from what the old secret sealed, and its metrics say how many values still need that secret', async () => {
    const path = join(dir, 'faces.db');
    const [oldSecret, newSecret] = [randomBytes(32), randomBytes(32)];
    const cipher = new NodeCipher(oldSecret, { rootFromStorage: true });
    const store = new SqliteStore(path, storageSealingOf(cipher));
    const key = randomUUID();
    const keyHash = hashApiKey(key);
    await store.createSession(keyHash);
    const image = { sha256: randomBytes(32).toString('hex'), faces: [{ encoding: Array.from({ length: 128 }, (_, i) => Math.fround(i / 128)), box: { x: 10, y: 20, width: 30, height: 40 }, score: 0.9 }] };
    const entry = imageEntryOf(cipher, key, image.sha256);
    await store.addImage(keyHash, sealLink(cipher, sessionKeyOf(cipher, key, keyHash), entry), sealImage(cipher, entry, image), 5);
    await store.close();

    const metricsPort = await freePort();
    const { child, url } = await spawnService(entryPoints.api, {
      STORAGE: 'sqlite',
      SQLITE_PATH: path,
      SEAL_SECRET: newSecret.toString('base64'),
      SEAL_SECRET_PREVIOUS: oldSecret.toString('base64'),
      METRICS_PORT: String(metricsPort),
      WEB_CONCURRENCY: '1',
      // No engine to load: nothing here encodes.
      ENCODER_URL: 'http://127.0.0.1:9/v1/selfie',
    });
    try {
      const summary = await fetch(`${url}/summary`, { headers: { authorization: `Bearer ${key}` } });
      expect(summary.status).toBe(200);
      expect(((await summary.json()) as { image_encodings: { sha256: string }[] }).image_encodings.map((each) => each.sha256)).toEqual([image.sha256]);
      let metrics = '';
      for (let attempt = 0; attempt < 50 && !metrics.includes('face_sessions_stored_values{'); attempt++) {
        metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(metrics).toContain('face_sessions_stored_values{sealed_under="previous"} 2');
      expect(metrics).toContain('face_sessions_stored_values{sealed_under="current"} 0');
      expect(metrics).not.toContain(newSecret.toString('base64'));
    } finally {
      await stopService(child);
    }
  });
});
