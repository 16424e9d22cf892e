// A cluster worker whose primary never answers the rate limiter (no
// RateLimiterClusterMaster there): the state a busy or broken primary leaves its workers
// in. Prints one JSON line per event: where it listens, each decision counted locally.
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { problemDetails } from '../../src/adapters/http/problem.ts';
import { rateLimit } from '../../src/adapters/http/rateLimit.ts';
import { makeLimits } from '../../src/adapters/limits/rateLimits.ts';

if (cluster.isPrimary) {
  cluster.fork();
  process.once('SIGTERM', () => process.exit(0));
} else {
  const settings = { sessionsPerMinute: 1, requestsPerMinute: 0, unauthorizedPerMinute: 0, encodesPerSessionPerHour: 0, encodesPerAddressPerHour: 0 };
  const { sessionsPerAddress } = makeLimits(settings, 'primary process', {
    refused: () => undefined,
    countedLocally: (limit, error) => console.log(JSON.stringify({ msg: 'counted locally', limit, error: String(error) })),
  });
  const app = new Koa()
    .use(problemDetails)
    .use(rateLimit(sessionsPerAddress!, () => 'one client'))
    .use((ctx) => {
      ctx.status = 201;
    });
  const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', port: (server.address() as AddressInfo).port })));
}
