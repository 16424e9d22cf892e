import type { Logger } from 'pino';
import type { CostGuess } from '../adapters/encoder/EncodeCost.ts';
import { LocalFaceEncoder } from '../adapters/encoder/LocalFaceEncoder.ts';
import { ObservedFaceEncoder } from '../adapters/encoder/ObservedFaceEncoder.ts';
import { QueueingFaceEncoder } from '../adapters/encoder/QueueingFaceEncoder.ts';
import type { PrometheusMetrics } from '../adapters/metrics/PrometheusMetrics.ts';
import { SharpImageInspector } from '../adapters/SharpImageInspector.ts';
import type { EncoderServiceConfig } from './config.ts';

type BuiltInEncoderConfig = Omit<EncoderServiceConfig, 'PORT' | 'HOST'>;

/**
 * Until encodes are timed: measured on this project's 2-core machine, a 0.2-megapixel
 * photo took ~90-120 ms, a 24-megapixel JPEG 0.6-1.3 s and a 50-megapixel lossless WebP
 * 0.8-2 s, under other jobs' load.
 */
const INITIAL_COST: CostGuess = { fixedMs: 100, msPerMegapixel: 15 };

/**
 * The built-in encoder as both entry points run it: the worker pool, behind a queue
 * that weighs uploads by their pixels, keeps sessions from holding each other up, and
 * admits an upload while its expected wait fits ENCODER_WAIT_BUDGET_MS.
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
  const queueing = {
    concurrency: pool.concurrency,
    waitBudgetMs: config.ENCODER_WAIT_BUDGET_MS,
    initialCost: INITIAL_COST,
    // Only the header: the pool decodes the image itself.
    inspector: new SharpImageInspector({ maxInputPixels: config.MAX_INPUT_PIXELS, verifyDecode: false }),
  };
  if (!metrics) return new QueueingFaceEncoder(pool, queueing);
  const observed = new ObservedFaceEncoder(pool, metrics);
  const queued = new QueueingFaceEncoder(observed, { ...queueing, onShed: () => metrics.shed(), onAbandoned: () => metrics.abandoned() });
  metrics.watchEncoder({ queueDepth: () => queued.queueDepth, inFlight: () => observed.inFlight, expectedWaitMs: () => queued.expectedWaitMs });
  return queued;
}
