import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { IpcPeer } from '../adapters/cluster/IpcPeer.ts';
import { createHttpServer } from '../adapters/http/httpServer.ts';
import { composePrimary } from './compose.ts';
import type { Config } from './config.ts';

const STOP_MARGIN_MS = 5000;
/** A worker's exit code for "this instance cannot run as configured" (sysexits' EX_CONFIG): another would fail the same way. */
export const EXIT_CANNOT_RUN = 78;

/** Serves no HTTP: runs what must exist once per instance (docs/adr/0008-processes-and-scaling.md), and replaces a worker that dies. */
export function runPrimary(config: Config, logger: Logger): void {
  cluster.setupPrimary({ serialization: 'advanced' });
  const peers = new Map<Worker, IpcPeer>();
  const serving = new Set<Worker>();
  let sweeper: Worker | undefined;
  let stopping = false;

  const workersMetrics = () => Promise.all([...peers.values()].map((peer) => peer.ask('metricsJson', {}).then(({ metrics: part }) => part, () => [])));
  const { encoder, metricsApp, close } = composePrimary(config, logger, workersMetrics);

  const fork = () => {
    const sweeps = sweeper === undefined && config.SESSION_TTL_SECONDS !== undefined;
    const worker = cluster.fork({ FACE_SESSIONS_SWEEPER: String(sweeps) });
    if (sweeps) sweeper = worker;
    const peer = new IpcPeer(worker)
      .handle('encode', async ({ image, ...given }, signal) => ({ faces: await encoderOrFail().encode(image, { signal, ...given }) }))
      .handle('ping', async () => (await encoderOrFail().ping(), {}));
    // What one worker dropped from memory, the others drop too.
    peer.onNotice((notice) => {
      for (const [other, otherPeer] of peers) if (other !== worker) otherPeer.tell(notice);
    });
    peers.set(worker, peer);
  };

  const encoderOrFail = () => {
    if (!encoder) throw new Error('with ENCODER_URL the workers call the remote encoder themselves');
    return encoder;
  };

  cluster.on('listening', (worker) => serving.add(worker));
  cluster.on('exit', (worker, code, signal) => {
    peers.get(worker)?.abandon();
    peers.delete(worker);
    if (worker === sweeper) sweeper = undefined;
    if (stopping) return;
    if (!serving.delete(worker) || code === EXIT_CANNOT_RUN) {
      // It never listened (a port in use, a bad file), or found it cannot run: another would fail the same way.
      logger.fatal({ pid: worker.process.pid, code, signal }, 'an HTTP worker failed to start; stopping the instance');
      void stop(1);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'an HTTP worker died; starting another');
    fork();
  });

  for (let i = 0; i < config.WEB_CONCURRENCY; i++) fork();
  logger.info({ workers: config.WEB_CONCURRENCY, port: config.PORT }, 'face-sessions primary: HTTP workers starting');

  const metricsServer = createHttpServer(metricsApp).listen(config.METRICS_PORT, config.METRICS_HOST, () =>
    logger.info({ port: (metricsServer.address() as AddressInfo).port, host: config.METRICS_HOST }, 'metrics of every process listening'),
  );
  metricsServer.once('error', (error: NodeJS.ErrnoException) => {
    logger.fatal({ code: error.code, address: `${config.METRICS_HOST}:${config.METRICS_PORT}` }, 'cannot listen');
    void stop(1);
  });

  const stop = async (exitCode: 0 | 1) => {
    if (stopping) return;
    stopping = true;
    logger.info({ workers: peers.size }, 'shutting down: draining every HTTP worker');
    const exited = [...peers.keys()].map((worker) => new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.process.kill('SIGTERM');
    }));
    const killer = setTimeout(() => {
      logger.warn('workers still running past the grace period: killing them');
      for (const worker of peers.keys()) worker.process.kill('SIGKILL');
    }, config.SHUTDOWN_GRACE_MS + STOP_MARGIN_MS);
    await Promise.all(exited);
    clearTimeout(killer);
    metricsServer.close();
    await close();
    logger.info('stopped');
    process.exit(exitCode);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'signal received');
      process.once(signal, () => process.exit(1));
      void stop(0);
    });
  }
}
