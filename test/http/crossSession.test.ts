import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.ts';
import { newSession, type RunningApp, startApp, upload } from '../support/startApp.ts';

// The security review's second finding: bytes another session stored answered in 9-10 ms
// with no encoder call, /metrics showed it, and the prober's upload kept the victim's
// entry alive after the victim's DELETE.
const soccer = fixture('one-face-soccer.jpg');
const path = join(mkdtempSync(join(tmpdir(), 'faces-cross-')), 'faces.db');
let app: RunningApp;
beforeAll(async () => {
  app = await startApp({ STORAGE: 'sqlite', SQLITE_PATH: path });
});
afterAll(async () => {
  await app.close();
});

/** The metrics an upload moves (the review read them on the public port; they now have a port of their own). */
async function counters(): Promise<Record<string, number>> {
  const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
  const names = ['face_sessions_encode_duration_seconds_count', 'face_sessions_cache_hits_total', 'face_sessions_cache_misses_total', 'face_sessions_faces_per_image_count'];
  return Object.fromEntries(names.map((name) => [name, Number(/^(\S+) (\S+)$/m.exec(text.split('\n').find((line) => line.startsWith(`${name} `)) ?? '')?.[2] ?? NaN)]));
}

const entriesInStorage = () => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM entries').pluck().get();
  } finally {
    db.close();
  }
};

describe('what one session can learn of another', () => {
  it('nothing: bytes another session holds are answered as bytes nobody holds, and its DELETE leaves nothing of it behind', async () => {
    const victim = await newSession(app.url);
    expect((await upload(app.url, victim, soccer)).status).toBe(200);
    const unseen = await sharp(soccer).jpeg({ quality: 77 }).toBuffer();

    const probe = async (bytes: Buffer) => {
      const before = await counters();
      const response = await upload(app.url, await newSession(app.url), bytes);
      const after = await counters();
      return {
        status: response.status,
        headers: [...response.headers.keys()].sort(),
        moved: Object.fromEntries(Object.entries(after).map(([name, value]) => [name, value - before[name]!])),
      };
    };
    const held = await probe(soccer);
    const fresh = await probe(unseen);
    expect(held).toEqual(fresh);
    expect(held.moved.face_sessions_encode_duration_seconds_count).toBe(1);

    expect(entriesInStorage()).toBe(3);
    expect((await fetch(`${app.url}/session`, { method: 'DELETE', headers: { key: victim } })).status).toBe(204);
    expect(entriesInStorage()).toBe(2); // the prober's copy is the prober's own
  });
});
