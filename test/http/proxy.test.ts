import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasNginx, type RunningNginx, startNginx } from '../support/nginx.ts';
import { deletePrefix, freePort, freshPrefix, hasRedis, redisUrl } from '../support/redis.ts';
import { type RunningApp, startApp } from '../support/startApp.ts';

// Two instances behind a real nginx with the repository's deploy/nginx.conf, as
// docker-compose.yml runs them: rate limits per client address must see each client.
let apps: RunningApp[];
let nginx: RunningNginx;
const prefix = freshPrefix();

/** POST /session through nginx from `from` (any 127.x.y.z is this machine), with extra headers. */
function startSession(from: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const call = request(`${nginx.url}/session`, { method: 'POST', localAddress: from, headers }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    call.once('error', reject);
    call.end();
  });
}

describe.skipIf(!hasNginx || !hasRedis)('behind nginx', () => {
  beforeAll(async () => {
    const env = { STORAGE: 'redis', CACHE: 'redis', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, TRUST_PROXY: '1', RATE_LIMIT_SESSIONS_PER_MINUTE: '3' };
    apps = await Promise.all([startApp(env), startApp(env)]);
    nginx = await startNginx(apps.map((app) => app.url.replace('http://', '')), await freePort());
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all((apps ?? []).map((app) => app.close()));
    await deletePrefix(prefix);
  });

  it('gives clients at different addresses limits of their own, shared by both instances', async () => {
    // Round robin: these land on both instances, and the limit still counts all of them.
    expect(await Promise.all([1, 2, 3].map(() => startSession('127.0.0.2')))).toEqual([201, 201, 201]);
    expect(await startSession('127.0.0.2')).toBe(429);
    expect(await startSession('127.0.0.3')).toBe(201);
  });

  it('refuses /metrics, whatever the instances behind it serve', async () => {
    for (const path of ['/metrics', '/metrics?x=1', '/metrics/']) expect((await fetch(`${nginx.url}${path}`)).status).toBe(403);
    expect((await fetch(`${nginx.url}/ping`)).status).toBe(200);
  });

  it('does not let a client escape its limit by forging X-Forwarded-For', async () => {
    for (let i = 0; i < 3; i++) await startSession('127.0.0.4', { 'X-Forwarded-For': `198.51.100.${i}` });
    expect(await startSession('127.0.0.4', { 'X-Forwarded-For': '198.51.100.99' })).toBe(429);
    expect(await startSession('127.0.0.4', { 'X-Forwarded-For': '127.0.0.5' })).toBe(429);
  });
});
