import type { Logger } from 'pino';
import type { CostGuess } from '../adapters/encoder/EncodeCost.ts';
import { LocalFaceEncoder } from '../adapters/encoder/LocalFaceEncoder.ts';
import { ObservedFaceEncoder } from '../adapters/encoder/ObservedFaceEncoder.ts';
import { QueueingFaceEncoder } from '../adapters/encoder/QueueingFaceEncoder.ts';
import type { PrometheusMetrics } from '../adapters/metrics/PrometheusMetrics.ts';
import { SharpImageInspector } from '../adapters/SharpImageInspector.ts';
import type { FaceEncoder } from '../ports/FaceEncoder.ts';
import type { EncoderServiceConfig } from './config.ts';

type BuiltInEncoderConfig = Omit<EncoderServiceConfig, 'PORT' | 'HOST' | 'ENCODER_ALLOW_NO_TOKEN'>;

/**
 * Until encodes are timed: measured on this project's 2-core machine, a 0.2-megapixel
 * photo took ~90-120 ms, a 24-megapixel JPEG 0.6-1.3 s and a 50-megapixel lossless WebP
 * 0.8-2 s, under other jobs' load.
 */
const INITIAL_COST: CostGuess = { fixedMs: 100, msPerMegapixel: 15 };

/**
 * The built-in encoder as both entry points run it: the worker pool, behind the queue.
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
  return queued(pool, pool.concurrency, config, metrics);
}

/**
 * `encoder` behind a queue that weighs uploads by their pixels, keeps sessions from
 * holding each other up, admits an upload while its expected wait fits
 * ENCODER_WAIT_BUDGET_MS, and runs at most `concurrency` at once: the one admission path
 * of both encoder modes.
 */
export function queued(
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
