import type { Logger } from 'pino';
import { LocalFaceEncoder } from '../adapters/encoder/LocalFaceEncoder.ts';
import { ObservedFaceEncoder } from '../adapters/encoder/ObservedFaceEncoder.ts';
import { QueueingFaceEncoder } from '../adapters/encoder/QueueingFaceEncoder.ts';
import type { PrometheusMetrics } from '../adapters/metrics/PrometheusMetrics.ts';
import type { EncoderServiceConfig } from './config.ts';

type BuiltInEncoderConfig = Omit<EncoderServiceConfig, 'PORT'>;

// A cold 512x512 photo takes ~90 ms a task with two in the pool; assume a larger photo until timed.
const INITIAL_ENCODE_MS = 250;

/**
 * The built-in encoder as both entry points run it: the worker pool, behind a queue
 * that admits an upload while its expected wait fits ENCODER_WAIT_BUDGET_MS.
 */
export function queuedBuiltInEncoder(config: BuiltInEncoderConfig, logger: Logger, metrics?: PrometheusMetrics): QueueingFaceEncoder {
  const pool = new LocalFaceEncoder({
    threads: config.ENCODER_THREADS,
    maxInputPixels: config.MAX_INPUT_PIXELS,
    modelCacheFolder: config.MODEL_CACHE_DIR,
    intraOpThreads: config.ENCODER_INTRA_OP_THREADS,
    onError: (error) => logger.error({ err: error }, 'face encoder thread failed'),
    onWarning: (detail) => logger.warn(detail),
  });
  const queueing = { concurrency: pool.concurrency, waitBudgetMs: config.ENCODER_WAIT_BUDGET_MS, initialEncodeMs: INITIAL_ENCODE_MS };
  if (!metrics) return new QueueingFaceEncoder(pool, queueing);
  const observed = new ObservedFaceEncoder(pool, metrics);
  const queued = new QueueingFaceEncoder(observed, { ...queueing, onShed: () => metrics.shed() });
  metrics.watchEncoder({ queueDepth: () => queued.queueDepth, inFlight: () => observed.inFlight, expectedWaitMs: () => queued.expectedWaitMs });
  return queued;
}
