import { once } from 'node:events';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixture, hasSeedImages, seedImage } from '../support/fixtures.ts';
import { entryPoints, spawnService } from '../support/spawnService.ts';
import { newSession, startApp, upload } from '../support/startApp.ts';

describe('shutting down', () => {
  it('reports not ready as soon as it starts draining', async () => {
    const app = await startApp({ ENCODER_THREADS: '1' });
    try {
      app.drain();
      const ready = await fetch(`${app.url}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ code: 'not_ready', checks: { shutdown: 'draining' } });
    } finally {
      await app.close();
    }
  });

  it('finishes an encode in flight on SIGTERM, then exits 0', async () => {
    const { child, url } = await spawnService(entryPoints.api, { STORAGE: 'memory' });
    const exited = once(child, 'exit');
    const deadline = Date.now() + 30_000;
    while ((await fetch(`${url}/ready`)).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const key = await newSession(url);
    const slow = hasSeedImages
      ? seedImage('large-6000x4000-no-face.jpg')
      : await sharp(fixture('one-face-soccer.jpg')).resize(5000).jpeg().toBuffer();

    const inFlight = upload(url, key, slow);
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGTERM');

    const response = await inFlight;
    expect([200, 400]).toContain(response.status);
    expect(await response.json()).toHaveProperty(response.status === 200 ? 'faces' : 'code');
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
