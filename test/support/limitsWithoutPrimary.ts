// A cluster worker whose primary never answers the rate limiter (no
// RateLimiterClusterMaster there): the state a busy or broken primary leaves its workers
// in. Prints one JSON line per event: where it listens, each request let through uncounted.
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { rateLimit } from '../../src/adapters/http/rateLimit.ts';
import { makeRateLimiters } from '../../src/app/rateLimiters.ts';

if (cluster.isPrimary) {
  cluster.fork();
  process.once('SIGTERM', () => process.exit(0));
} else {
  const { sessionsPerAddress } = makeRateLimiters({ sessionsPerMinute: 1, requestsPerMinute: 0 }, 'primary process');
  const uncounted = (error: unknown) => console.log(JSON.stringify({ msg: 'uncounted', error: String(error) }));
  const app = new Koa()
    .use(rateLimit(sessionsPerAddress!, () => 'one client', uncounted))
    .use((ctx) => {
      ctx.status = 201;
    });
  const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', port: (server.address() as AddressInfo).port })));
}
