import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.ts';
import { newSession, type RunningApp, startApp, upload } from '../support/startApp.ts';

const soccer = fixture('one-face-soccer.jpg');

/** One sample's value from Prometheus text, e.g. sample(text, 'x_total') or sample(text, 'x_bucket{le="1"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('one instance under a burst, and what /metrics says about it', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('queues 20 uploads sent at once (4 sessions x 5 photos) and answers every one', async () => {
    const keys = await Promise.all(Array.from({ length: 4 }, () => newSession(app.url)));
    const photos = await Promise.all(Array.from({ length: 20 }, (_, i) => sharp(soccer).jpeg({ quality: 60 + i }).toBuffer()));
    const responses = await Promise.all(photos.map((photo, i) => upload(app.url, keys[Math.floor(i / 5)], photo)));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
  });

  it('serves Prometheus text with every metric docs/operations.md lists, labelled by route pattern and never with a key', async () => {
    const key = await newSession(app.url);
    expect((await upload(app.url, key, soccer)).status).toBe(200);
    // The same photo in another session: encoded again, as if no session held it.
    expect((await upload(app.url, await newSession(app.url), soccer)).status).toBe(200);
    expect((await fetch(`${app.url}/summary`, { headers: { key } })).status).toBe(200);
    expect((await fetch(`${app.url}/summary/${key}`, { headers: { key } })).status).toBe(404);

    const response = await fetch(`${app.metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();

    expect(text).not.toContain(key);
    expect(sample(text, 'face_sessions_sessions_started_total')).toBe(6);
    expect(sample(text, 'face_sessions_http_request_duration_seconds_count{method="POST",route="/encode",status="200"}')).toBe(22);
    expect(sample(text, 'face_sessions_http_request_duration_seconds_count{method="GET",route="/summary",status="200"}')).toBe(1);
    expect(sample(text, 'face_sessions_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(sample(text, 'face_sessions_encode_duration_seconds_count')).toBe(22);
    expect(sample(text, 'face_sessions_faces_per_image_bucket{le="0"}')).toBe(0);
    expect(sample(text, 'face_sessions_faces_per_image_bucket{le="1"}')).toBe(22);
    // The cache is asked only for entries of a session that holds them and that this process
    // has not opened yet: here, once, by the summary.
    expect(sample(text, 'face_sessions_cache_hits_total')).toBe(0);
    expect(sample(text, 'face_sessions_cache_misses_total')).toBe(1);
    expect(sample(text, 'face_sessions_encoder_queue_depth')).toBe(0);
    expect(sample(text, 'face_sessions_encoder_in_flight')).toBe(0);
    expect(sample(text, 'face_sessions_encoder_shed_total')).toBe(0);
    expect(text).toContain('# TYPE face_sessions_dependency_errors_total counter');
    expect(text).toContain('# TYPE face_sessions_encoder_expected_wait_seconds gauge');
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});

describe('METRICS_PORT', () => {
  it('serves /metrics only on a server of its own, which serves nothing else', async () => {
    const app = await startApp();
    try {
      expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
      const metrics = await fetch(`${app.metricsUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('face_sessions_http_request_duration_seconds');
      expect((await fetch(`${app.metricsUrl}/session`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${app.metricsUrl}/ping`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
