import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { ClusterFaceEncoder } from '../adapters/cluster/ClusterFaceEncoder.ts';
import type { IpcPeer } from '../adapters/cluster/IpcPeer.ts';
import { SharedEncodingCache, SharedOpenedSessions } from '../adapters/cluster/sharedMemory.ts';
import { CircuitBreakingFaceEncoder } from '../adapters/encoder/CircuitBreakingFaceEncoder.ts';
import { HttpFaceEncoder } from '../adapters/encoder/HttpFaceEncoder.ts';
import { DecodeCheckingFaceEncoder } from '../adapters/encoder/DecodeCheckingFaceEncoder.ts';
import { createApp } from '../adapters/http/createApp.ts';
import { createMetricsApp } from '../adapters/http/requestMetrics.ts';
import { UploadsInFlight } from '../adapters/http/uploadsInFlight.ts';
import { KeyvEncodingCache } from '../adapters/keyv/KeyvEncodingCache.ts';
import { memoryKeyv } from '../adapters/keyv/memoryKeyv.ts';
import { ObservedEncodingCache } from '../adapters/keyv/ObservedEncodingCache.ts';
import { clearCacheSealedBefore, redisKeyv } from '../adapters/keyv/redisKeyv.ts';
import { LruOpenedSessions } from '../adapters/memory/LruOpenedSessions.ts';
import { MemoryStore } from '../adapters/memory/MemoryStore.ts';
import { PrometheusMetrics } from '../adapters/metrics/PrometheusMetrics.ts';
import { observeFailures } from '../adapters/observeFailures.ts';
import { createRedisClient, type RedisClient, type RedisTarget, unreachableMasters } from '../adapters/redis/createRedisClient.ts';
import { RedisStore } from '../adapters/redis/RedisStore.ts';
import { SharpImageInspector } from '../adapters/SharpImageInspector.ts';
import { SealMismatchError } from '../adapters/SealMismatchError.ts';
import { SqliteStore } from '../adapters/sqlite/SqliteStore.ts';
import { LimitsEncodeBudget } from '../adapters/limits/LimitsEncodeBudget.ts';
import { storageSealingOf } from '../domain/sealing.ts';
import { Authenticate } from '../domain/useCases/Authenticate.ts';
import { ClearSession } from '../domain/useCases/ClearSession.ts';
import { ExpireIdleSessions } from '../domain/useCases/ExpireIdleSessions.ts';
import { EncodeImage } from '../domain/useCases/EncodeImage.ts';
import { GetSummary } from '../domain/useCases/GetSummary.ts';
import { StartSession } from '../domain/useCases/StartSession.ts';
import { VerifySession } from '../domain/useCases/VerifySession.ts';
import type { EncodingCache } from '../ports/EncodingCache.ts';
import type { EncodingStore } from '../ports/EncodingStore.ts';
import type { FaceEncoder } from '../ports/FaceEncoder.ts';
import type { SessionExpiry } from '../ports/SessionExpiry.ts';
import type { ResealableStore, SessionStore, StorageSealing } from '../ports/SessionStore.ts';
import { queued, queuedBuiltInEncoder } from './builtInEncoder.ts';
import type { Config } from './config.ts';
import { loadEncoderToken } from './encoderToken.ts';
import { loadMatchRates } from './matchRates.ts';
import { makeLimits } from './rateLimiters.ts';
import { sealingCipher } from './sealSecret.ts';

/** This process is one of an instance's HTTP workers (WEB_CONCURRENCY > 1). */
export interface ClusterRole {
  /** The primary process: it runs the face engine, the shared rate limits and /metrics' sums. */
  readonly primary: IpcPeer;
  /** The one worker that sweeps idle sessions. */
  readonly sweeps: boolean;
}

export interface Composed {
  readonly app: Koa;
  /** The app that serves /metrics on METRICS_PORT; undefined in an HTTP worker (its primary serves the instance's). */
  readonly metricsApp: Koa | undefined;
  /** Shutting down: /ready answers 503 and clients are asked to reconnect elsewhere. */
  drain(): void;
  /** Closes every adapter: stores, cache, encoder workers. */
  close(): Promise<void>;
  /** Settles only if the service cannot go on (storage sealed under another secret, found once Redis answered). */
  readonly failed: Promise<Error>;
}

const READY_PROBE_REUSE_MS = 2000;

/**
 * The composition root: the only place that knows which adapter fills which port. Throws
 * a ConfigError for a sealing secret it cannot read or create, and a SealMismatchError
 * for an SQLite file sealed under another secret.
 */
export function compose(config: Config, logger: Logger, cluster?: ClusterRole): Composed {
  const metrics = new PrometheusMetrics();
  const cipher = sealingCipher(config, logger);
  const redisTarget = redisTargetOf(config);
  const redis = config.STORAGE === 'redis' ? createRedisClient({ ...redisTarget, logger }) : undefined;
  const idleTtlMs = config.SESSION_TTL_SECONDS === undefined ? undefined : config.SESSION_TTL_SECONDS * 1000;
  const expiry: SessionExpiry = { clock: Date.now, ...(idleTtlMs !== undefined && { idleTtlMs }) };
  const failure = Promise.withResolvers<Error>();
  const ownStore = makeStore(config, storageSealingOf(cipher), redis, expiry, logger, failure.resolve);
  const store = observeFailures(ownStore, (code) => metrics.dependencyFailed('storage', code));
  const ownCache = makeCache(config, redisTarget, logger, metrics, idleTtlMs);
  const cache = observeFailures(
    new ObservedEncodingCache(cluster && config.CACHE === 'memory' ? new SharedEncodingCache(ownCache, cluster.primary) : ownCache, (hits, misses) =>
      metrics.cacheLookedUp(hits, misses),
    ),
    (code) => metrics.dependencyFailed('cache', code),
  );
  const encoder = cluster && config.ENCODER_URL === undefined ? new ClusterFaceEncoder(cluster.primary) : makeEncoder(config, logger, metrics);
  const inspector = new SharpImageInspector({ maxInputPixels: config.MAX_INPUT_PIXELS });
  const ownOpened = new LruOpenedSessions({
    maxSessions: Math.ceil(config.CACHE_MAX_ENTRIES / config.SESSION_IMAGE_LIMIT),
    maxAgeMs: Math.min(OPENED_MAX_AGE_MS, (idleTtlMs ?? Infinity) / 2),
  });
  const opened = cluster ? new SharedOpenedSessions(ownOpened, cluster.primary) : ownOpened;
  const deps = { sessions: store, encodings: store, cache, cipher, opened, encoder, inspector };
  const limits = makeLimits(
    {
      sessionsPerMinute: config.RATE_LIMIT_SESSIONS_PER_MINUTE,
      requestsPerMinute: config.RATE_LIMIT_REQUESTS_PER_MINUTE,
      unauthorizedPerMinute: config.RATE_LIMIT_UNAUTHORIZED_PER_MINUTE,
      encodesPerSessionPerHour: config.RATE_LIMIT_ENCODES_PER_SESSION_PER_HOUR,
      encodesPerAddressPerHour: config.RATE_LIMIT_ENCODES_PER_ADDRESS_PER_HOUR,
    },
    redis ? { redis, keyPrefix: config.REDIS_KEY_PREFIX } : cluster ? 'primary process' : 'this process',
    {
      refused: (limit) => metrics.rateLimited(limit),
      countedLocally: (limit, error) => {
        metrics.rateLimitCountedLocally(limit);
        logger.warn({ err: error, limit }, 'rate limit counted by this process alone: the shared count did not answer');
      },
    },
  );
  const budget = new LimitsEncodeBudget({ perSession: limits.encodesPerSession, perAddress: limits.encodesPerAddress });

  const uploads = new UploadsInFlight(
    { perKey: config.MAX_UPLOADS_IN_FLIGHT_PER_KEY, perAddress: config.MAX_UPLOADS_IN_FLIGHT_PER_ADDRESS, bufferedBytes: config.MAX_UPLOAD_BUFFER_BYTES },
    (cap) => metrics.rateLimited(cap),
  );
  metrics.watchUploads({ inFlight: () => uploads.inFlight, bytesHeld: () => uploads.bytesHeld });

  const getSummary = new GetSummary(deps);
  let draining = false;
  const app = createApp({
    isDraining: () => draining,
    authenticate: new Authenticate({ sessions: store }),
    startSession: new StartSession({ sessions: store, generateKey: randomUUID }),
    encodeImage: new EncodeImage({ ...deps, budget, sessionImageLimit: config.SESSION_IMAGE_LIMIT, maxFaces: config.MAX_FACES }),
    getSummary,
    verifySession: new VerifySession({ summary: getSummary, threshold: config.MATCH_THRESHOLD, rates: loadMatchRates() }),
    clearSession: new ClearSession(deps),
    readinessChecks: {
      storage: () => store.ping(),
      // Without its cache the service still answers, from storage, only slower.
      cache: () => cache.ping().then(() => undefined, () => 'degraded' as const),
      // A remote encoder is probed over the network: don't let frequent /ready polls multiply that.
      encoder: reuseOutcomeFor(READY_PROBE_REUSE_MS, () => encoder.ping()),
    },
    rateLimits: limits,
    trustedProxies: config.TRUST_PROXY,
    logger,
    observer: metrics,
    limits: {
      sessionImageLimit: config.SESSION_IMAGE_LIMIT,
      maxFaces: config.MAX_FACES,
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
    },
    uploads,
  });

  const sweeps = idleTtlMs !== undefined && (!cluster || cluster.sweeps);
  const stopSweeping = sweeps ? sweepIdleSessions(new ExpireIdleSessions(deps), idleTtlMs, logger) : () => undefined;
  // One process per instance reports what the instance shares; the primary adds up every process's metrics.
  if (redis && (!cluster || cluster.sweeps)) metrics.watchRedis(() => unreachableMasters(redis));
  const counts = !(ownStore instanceof MemoryStore) && (!cluster || cluster.sweeps);
  const stopCounting = counts ? countSealedValues(ownStore, metrics, logger) : () => undefined;
  cluster?.primary.handle('metricsJson', async () => ({ metrics: await metrics.json() }));

  return {
    app,
    // With several processes the primary serves METRICS_PORT, adding up every process.
    metricsApp: cluster ? undefined : createMetricsApp(metrics),
    drain() {
      draining = true;
    },
    async close() {
      stopSweeping();
      stopCounting();
      opened.close();
      await Promise.allSettled([encoder.close(), cache.close(), store.close()]);
    },
    failed: failure.promise,
  };
}

/** REDIS_CLUSTER_NODES when set, else REDIS_URL. */
export const redisTargetOf = (config: Config): RedisTarget =>
  config.REDIS_CLUSTER_NODES ? { clusterNodes: config.REDIS_CLUSTER_NODES } : { url: config.REDIS_URL };

const REDIS_CACHE_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long this process may serve a session's opened images without storage changing.
 * Bounds how long another instance's clear leaves them in this one's memory; half the
 * idle TTL keeps them inside the session's life (docs/adr/0009-security-and-biometric-data-at-rest.md, "Biometric data at rest").
 */
const OPENED_MAX_AGE_MS = 60_000;

function makeStore(
  config: Config,
  sealing: StorageSealing,
  redis: RedisClient | undefined,
  expiry: SessionExpiry,
  logger: Logger,
  fail: (error: Error) => void,
): MemoryStore | SqliteStore | RedisStore {
  switch (config.STORAGE) {
    case 'memory':
      return new MemoryStore(expiry);
    case 'sqlite':
      return new SqliteStore(config.SQLITE_PATH, sealing, expiry); // checks the secret and upgrades the file before it opens
    case 'redis': {
      const replication = {
        replicas: config.REDIS_REPLICA_ACKS,
        timeoutMs: config.REDIS_REPLICA_ACK_TIMEOUT_MS,
        ...(config.REDIS_REPLICA_ACKS > 0 && { writer: createRedisClient({ ...redisTargetOf(config), logger }) }),
      };
      const store = new RedisStore(redis!, config.REDIS_KEY_PREFIX, sealing, expiry, replication);
      // Once connected, in the background: the service starts (and reports not ready) while Redis is still down.
      redis!.once('ready', () => {
        store.open().then(
          (changed) => changed > 0 && logger.info({ keys: changed }, 'upgraded the stored keys to this build: re-keyed under the sealing secret'),
          (error: unknown) => {
            if (error instanceof SealMismatchError) fail(error);
            else logger.error({ err: error }, 'could not check or upgrade storage yet; tried again at the next request');
          },
        );
      });
      return store;
    }
  }
}

/** With a session TTL, cached copies never outlive the data they copy by more than that TTL. */
function makeCache(config: Config, redisTarget: RedisTarget, logger: Logger, metrics: PrometheusMetrics, idleTtlMs: number | undefined): EncodingCache {
  switch (config.CACHE) {
    case 'memory':
      return new KeyvEncodingCache(memoryKeyv(config.CACHE_MAX_ENTRIES), idleTtlMs === undefined ? {} : { ttlMs: idleTtlMs });
    case 'redis': {
      const client = createRedisClient({ ...redisTarget, logger });
      const namespace = `${config.REDIS_KEY_PREFIX}cache`;
      const keyv = redisKeyv(client, logger, namespace);
      client.once('ready', () => {
        clearCacheSealedBefore(client, namespace).then(
          (deleted) => deleted > 0 && logger.info({ deleted }, 'emptied the cache of what builds before the sealing secret cached'),
          (error: unknown) => logger.error({ err: error }, 'could not empty the cache of what builds before the sealing secret cached; tried again at the next start'),
        );
      });
      return new KeyvEncodingCache(keyv, {
        ttlMs: Math.min(REDIS_CACHE_TTL_MS, idleTtlMs ?? Infinity),
        onError: (error) => {
          metrics.dependencyFailed('cache', 'storage_unavailable');
          logger.warn({ err: error }, 'redis cache unavailable; answering from storage');
        },
      });
    }
  }
}

function makeEncoder(config: Config, logger: Logger, metrics: PrometheusMetrics): FaceEncoder {
  if (config.ENCODER_URL === undefined) return queuedBuiltInEncoder(config, logger, metrics);
  const token = loadEncoderToken(config, logger);
  const http = new HttpFaceEncoder({ url: config.ENCODER_URL, timeoutMs: config.ENCODER_TIMEOUT_MS, ...(token !== undefined && { token }) });
  // The built-in pool needs no breaker: its one failure mode, a queue past its budget, already fails fast.
  const breaker = new CircuitBreakingFaceEncoder(http, { minimumCalls: 5, failurePercentage: 50, coolDownMs: 10_000, windowMs: 10_000 });
  // The same admission as the built-in engine: charged first, then queued by pixels, then decoded here.
  return queued(new DecodeCheckingFaceEncoder(breaker, config.MAX_INPUT_PIXELS), REMOTE_CONCURRENCY, config, metrics);
}

/**
 * Uploads one instance decodes and sends to a remote encoder at once: twice its cores,
 * so one decodes while another waits on the network. The encoder queues the rest on its side.
 */
const REMOTE_CONCURRENCY = 2 * availableParallelism();

/** Runs `check` at most once per `ms`; callers in between share its outcome. */
function reuseOutcomeFor(ms: number, check: () => Promise<void>): () => Promise<void> {
  let last: { at: number; outcome: Promise<void> } | undefined;
  return () => {
    if (!last || performance.now() - last.at > ms) last = { at: performance.now(), outcome: check() };
    return last.outcome;
  };
}

/**
 * Counts stored values by the secret they need, for the start-up log and the metric (one
 * process per instance), and again every few minutes while some still wait for
 * `npm run reseal`: it may be running meanwhile. Returns a stop function.
 */
function countSealedValues(store: ResealableStore, metrics: PrometheusMetrics, logger: Logger): () => void {
  let timer: NodeJS.Timeout | undefined;
  let logged = false;
  const count = async () => {
    let again = RECOUNT_MS;
    try {
      const counts = await store.countSealed();
      metrics.sealedCounted(counts);
      if (!logged) {
        logged = true;
        if (counts.previous > 0) logger.warn({ values: counts.previous }, 'stored values still sealed under the previous secret: run `npm run reseal`; keep SEAL_SECRET_PREVIOUS until it reports none');
        if (counts.none > 0) logger.warn({ values: counts.none }, 'stored values from before the outer seal layer: run `npm run reseal` once to give them one');
        if (counts.other > 0) logger.error({ values: counts.other }, 'stored values sealed under a secret that is not configured: nothing can open them');
        logger.info(counts, 'stored values by the sealing secret they need');
      }
      if (counts.previous + counts.none === 0) return;
    } catch (error) {
      again = RECOUNT_AFTER_ERROR_MS;
      logger.warn({ err: error }, 'could not count stored values by sealing secret; will retry');
    }
    timer = setTimeout(() => void count(), again).unref();
  };
  timer = setTimeout(() => void count(), 0).unref();
  return () => clearTimeout(timer);
}

const RECOUNT_MS = 5 * 60_000;
const RECOUNT_AFTER_ERROR_MS = 30_000;

/** Runs the expiry sweep every quarter TTL (at most every minute); returns a stop function. */
function sweepIdleSessions(expire: ExpireIdleSessions, idleTtlMs: number, logger: Logger): () => void {
  const sweep = () => {
    expire.execute().then(
      (deleted) => deleted > 0 && logger.info({ deleted }, 'expired idle sessions'),
      (error: unknown) => logger.warn({ err: error }, 'expiring idle sessions failed; will retry'),
    );
  };
  const timer = setInterval(sweep, Math.min(idleTtlMs / 4, 60_000));
  timer.unref();
  return () => clearInterval(timer);
}
