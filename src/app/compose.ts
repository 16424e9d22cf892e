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
import { clearCacheSealedBefore, emptyCache, redisKeyv } from '../adapters/keyv/redisKeyv.ts';
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
import { countForWorkers, makeLimits } from '../adapters/limits/rateLimits.ts';
import { NodeCipher } from '../adapters/crypto/NodeCipher.ts';
import type { CostGuess } from '../adapters/encoder/EncodeCost.ts';
import { LocalFaceEncoder } from '../adapters/encoder/LocalFaceEncoder.ts';
import { ObservedFaceEncoder } from '../adapters/encoder/ObservedFaceEncoder.ts';
import { QueueingFaceEncoder } from '../adapters/encoder/QueueingFaceEncoder.ts';
import { createEncoderApp } from '../adapters/http/createEncoderApp.ts';
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
import type { StorageSealing } from '../ports/SessionStore.ts';
import { countSealedValues, sweepIdleSessions } from './backgroundJobs.ts';
import type { Config, EncoderServiceConfig } from './config.ts';
import { loadEncoderToken } from './encoderToken.ts';
import { loadMatchRates } from './matchRates.ts';
import { sealSecrets } from './sealSecret.ts';

export interface ClusterRole {
  readonly primary: IpcPeer;
  readonly sweeps: boolean;
}

export interface Composed {
  readonly app: Koa;
  /** Undefined in an HTTP worker: its primary serves the instance's /metrics. */
  readonly metricsApp: Koa | undefined;
  drain(): void;
  close(): Promise<void>;
  /** Settles only if the service cannot go on (storage sealed under another secret, found once Redis answered). */
  readonly failed: Promise<Error>;
}

const READY_PROBE_REUSE_MS = 2000;

// The composition root: every adapter of every process is built here, from configuration (docs/adr/0008-processes-and-scaling.md).
// Each compose* throws ConfigError for a setting it cannot use, SealMismatchError for an SQLite file sealed under another secret.

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

const redisTargetOf = (config: Config): RedisTarget =>
  config.REDIS_CLUSTER_NODES ? { clusterNodes: config.REDIS_CLUSTER_NODES } : { url: config.REDIS_URL };

const REDIS_CACHE_TTL_MS = 24 * 60 * 60 * 1000;
// Bounds how long another instance's clear leaves opened faces in this one's memory: docs/adr/0009-security-and-biometric-data-at-rest.md.
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
      return new SqliteStore(config.SQLITE_PATH, sealing, expiry);
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
  const breaker = new CircuitBreakingFaceEncoder(http, { minimumCalls: 5, failurePercentage: 50, coolDownMs: 10_000, windowMs: 10_000 });
  return queued(new DecodeCheckingFaceEncoder(breaker, config.MAX_INPUT_PIXELS), REMOTE_CONCURRENCY, config, metrics);
}

// Twice the cores: one upload decodes while another waits on the network; the encoder queues the rest.
const REMOTE_CONCURRENCY = 2 * availableParallelism();

function reuseOutcomeFor(ms: number, check: () => Promise<void>): () => Promise<void> {
  let last: { at: number; outcome: Promise<void> } | undefined;
  return () => {
    if (!last || performance.now() - last.at > ms) last = { at: performance.now(), outcome: check() };
    return last.outcome;
  };
}

export interface ComposedPrimary {
  readonly metricsApp: Koa;
  /** The face engine the HTTP workers call through the primary; undefined with ENCODER_URL. */
  readonly encoder: FaceEncoder | undefined;
  close(): Promise<void>;
}

/** Once per instance, before any worker: creates a missing sealing secret, checks and upgrades an SQLite file. */
export function composePrimary(config: Config, logger: Logger, workersMetrics: () => Promise<object[][]>): ComposedPrimary {
  const sealing = storageSealingOf(sealingCipher(config, logger));
  if (config.STORAGE === 'sqlite') void new SqliteStore(config.SQLITE_PATH, sealing).close();
  if (config.STORAGE !== 'redis') countForWorkers();
  const metrics = new PrometheusMetrics();
  const encoder = config.ENCODER_URL === undefined ? queuedBuiltInEncoder(config, logger, metrics) : undefined;
  return {
    metricsApp: createMetricsApp({ contentType: metrics.contentType, text: async () => metrics.textWith(await workersMetrics()) }),
    encoder,
    close: async () => encoder?.close(),
  };
}

export interface ComposedEncoderService {
  readonly app: Koa;
  readonly tokenRequired: boolean;
  close(): Promise<void>;
}

export function composeEncoderService(config: EncoderServiceConfig, logger: Logger): ComposedEncoderService {
  const token = loadEncoderToken(config, logger);
  const encoder = queuedBuiltInEncoder(config, logger);
  const app = createEncoderApp({ encoder, maxFaces: config.MAX_FACES, maxUploadBytes: config.MAX_UPLOAD_BYTES, logger, ...(token !== undefined && { token }) });
  return { app, tokenRequired: token !== undefined, close: () => encoder.close() };
}

export interface ComposedReseal {
  readonly store: SqliteStore | RedisStore;
  /** Undefined unless CACHE=redis: its entries are copies, cheaper to drop than to seal again. */
  readonly emptyCache: (() => Promise<number>) | undefined;
  close(): Promise<void>;
}

export function composeReseal(config: Config & { STORAGE: 'sqlite' | 'redis' }, logger: Logger): ComposedReseal {
  const sealing = storageSealingOf(sealingCipher(config, logger));
  const target = redisTargetOf(config);
  const redis = config.STORAGE === 'redis' ? createRedisClient({ ...target, logger }) : undefined;
  // Each re-sealed value reaches a replica before the next: a failover must not bring back one under the old secret once storage recorded none needs it.
  const replication = { replicas: config.REDIS_REPLICA_ACKS, timeoutMs: config.REDIS_REPLICA_ACK_TIMEOUT_MS };
  const store = redis ? new RedisStore(redis, config.REDIS_KEY_PREFIX, sealing, undefined, replication) : new SqliteStore(config.SQLITE_PATH, sealing);
  const cacheClient = config.CACHE === 'redis' ? (redis ?? createRedisClient({ ...target, logger })) : undefined;
  return {
    store,
    emptyCache: cacheClient && (() => emptyCache(cacheClient, `${config.REDIS_KEY_PREFIX}cache`)),
    async close() {
      await store.close();
      if (cacheClient && cacheClient !== redis) await cacheClient.close();
    },
  };
}

function sealingCipher(config: Config, logger: Logger): NodeCipher {
  const { current, previous } = sealSecrets(config, logger);
  return new NodeCipher(current, { ...(previous && { previous }), rootFromStorage: config.STORAGE !== 'memory' });
}

type BuiltInEncoderConfig = Omit<EncoderServiceConfig, 'PORT' | 'HOST' | 'ENCODER_ALLOW_NO_TOKEN'>;

// Until encodes are timed. Measured on 2 cores under load: 0.2 MP ~90-120 ms, 24 MP JPEG 0.6-1.3 s, 50 MP WebP 0.8-2 s.
const INITIAL_COST: CostGuess = { fixedMs: 100, msPerMegapixel: 15 };

function queuedBuiltInEncoder(config: BuiltInEncoderConfig, logger: Logger, metrics?: PrometheusMetrics): QueueingFaceEncoder {
  const pool = new LocalFaceEncoder({
    threads: config.ENCODER_THREADS,
    maxInputPixels: config.MAX_INPUT_PIXELS,
    intraOpThreads: config.ENCODER_INTRA_OP_THREADS,
    onError: (error) => logger.error({ err: error }, 'face encoder thread failed'),
  });
  return queued(pool, pool.concurrency, config, metrics);
}

// The one admission path of both encoder modes: docs/adr/0005-admission-to-the-encoder.md.
function queued(
  encoder: FaceEncoder,
  concurrency: number,
  config: Pick<BuiltInEncoderConfig, 'ENCODER_WAIT_BUDGET_MS' | 'MAX_INPUT_PIXELS'>,
  metrics?: PrometheusMetrics,
): QueueingFaceEncoder {
  const queueing = {
    concurrency,
    waitBudgetMs: config.ENCODER_WAIT_BUDGET_MS,
    initialCost: INITIAL_COST,
    // Only the header: decoding is the encoder's work, and waits its turn.
    inspector: new SharpImageInspector({ maxInputPixels: config.MAX_INPUT_PIXELS }),
  };
  if (!metrics) return new QueueingFaceEncoder(encoder, queueing);
  const observed = new ObservedFaceEncoder(encoder, metrics);
  const queue = new QueueingFaceEncoder(observed, { ...queueing, onShed: () => metrics.shed(), onAbandoned: () => metrics.abandoned() });
  metrics.watchEncoder({ queueDepth: () => queue.queueDepth, inFlight: () => observed.inFlight, expectedWaitMs: () => queue.expectedWaitMs });
  return queue;
}
