import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { Failure } from '../../domain/Failure.ts';
import type { Face } from '../../domain/ImageEncodings.ts';
import type { EncodeOptions, FaceEncoder } from '../../ports/FaceEncoder.ts';
import type { EncodeJob, EncodeOutcome, EncodeWorkerData, WorkerReport } from './encodeWorker.ts';

export interface LocalFaceEncoderOptions extends EncodeWorkerData {
  /** Worker threads, each with its own copy of the model; at most one per core. */
  readonly threads: number;
  /** Errors of idle threads; the pool replaces the thread, so they only need logging. */
  readonly onError?: (error: unknown) => void;
}

// One image runs the networks (which hold the thread) while the next one decodes.
const TASKS_PER_THREAD = 2;
/** How long close() lets threads finish loading their model, and then their images, before it ends them anyway. */
const CLOSE_WAIT_MS = 30_000;

/**
 * Runs the face model in a pool of worker threads, so inference never blocks the event
 * loop. It queues without bound: QueueingFaceEncoder in front decides what to admit, and
 * in what order.
 *
 * A caller that gives up is not followed into the pool. Its signal is not given to
 * piscina: piscina ends the thread of a task aborted while it runs, and ending a thread
 * while onnxruntime runs a network aborts the whole process (see close()). The queue in
 * front sends the pool only what it can start at once (its own queue is empty), so
 * dropping a waiting upload happens there; one that has started runs to its end, a
 * fraction of a second, and its answer is dropped.
 */
export class LocalFaceEncoder implements FaceEncoder {
  /** Images the pool works on at once. */
  readonly concurrency: number;
  readonly #pool: Piscina<EncodeJob, EncodeOutcome>;
  readonly #modelReady: Promise<void>;
  readonly #everyThreadLoaded: Promise<void>;
  /** Images sent to the pool and not answered yet. */
  readonly #running = new Set<Promise<unknown>>();
  #closed = false;

  constructor(options: LocalFaceEncoderOptions) {
    const workerData: EncodeWorkerData = {
      maxInputPixels: options.maxInputPixels,
      intraOpThreads: options.intraOpThreads,
    };
    this.concurrency = options.threads * TASKS_PER_THREAD;
    this.#pool = new Piscina({
      filename: fileURLToPath(new URL('./encodeWorker.ts', import.meta.url)),
      minThreads: options.threads,
      maxThreads: options.threads,
      // A new thread costs a model load, so threads live as long as the pool.
      idleTimeout: Infinity,
      concurrentTasksPerWorker: TASKS_PER_THREAD,
      closeTimeout: CLOSE_WAIT_MS,
      workerData,
    });

    const modelReady = Promise.withResolvers<void>();
    this.#modelReady = modelReady.promise;
    // Reported by ping(); without this it would also surface as an unhandled rejection.
    this.#modelReady.catch(() => undefined);
    const everyThreadLoaded = Promise.withResolvers<void>();
    this.#everyThreadLoaded = everyThreadLoaded.promise;
    let threadsLoaded = 0;
    this.#pool.on('message', (report: WorkerReport) => {
      if (report.kind === 'loaded') modelReady.resolve();
      else modelReady.reject(new Failure('encoder_unavailable', report.detail));
      if (++threadsLoaded === options.threads) everyThreadLoaded.resolve();
    });
    this.#pool.on('error', (error: unknown) => {
      modelReady.reject(new Failure('encoder_unavailable', 'A face encoder thread failed.', { cause: error }));
      options.onError?.(error);
    });
  }

  async encode(image: Uint8Array, options: EncodeOptions = {}): Promise<Face[]> {
    options.signal?.throwIfAborted();
    // Checked here because piscina starts new threads for work sent after destroy().
    if (this.#closed) throw new Failure('encoder_unavailable', 'The face encoder is closed.');
    // The worker gets its own copy of exactly these bytes: the caller keeps its buffer, and
    // cloning a Buffer that is a view would copy the whole pool it points into.
    const bytes = new Uint8Array(image);
    let outcome: EncodeOutcome;
    try {
      const job: EncodeJob = { image: bytes, ...(options.inspected && { inspected: options.inspected }) };
      const run = this.#pool.run(job, { transferList: [bytes.buffer] });
      const settled = run.then(() => undefined, () => undefined);
      this.#running.add(settled);
      void settled.then(() => this.#running.delete(settled));
      outcome = await run;
    } catch (error) {
      // A thread that died (the pool replaces it) or a model that could not load.
      throw new Failure('encoder_unavailable', 'The face encoder failed; try again shortly.', {
        cause: error,
        retryAfterSeconds: 1,
      });
    }
    if ('failure' in outcome) throw new Failure(outcome.failure.code, outcome.failure.detail);
    return outcome.faces;
  }

  /** Resolves once a thread has its model loaded. */
  async ping(): Promise<void> {
    if (this.#closed) throw new Failure('encoder_unavailable', 'The face encoder is closed.');
    await this.#modelReady;
  }

  async close(): Promise<void> {
    this.#closed = true;
    // Ending a thread while onnxruntime creates its sessions or runs a network aborts the
    // whole process (a native exception during the thread's teardown). So a close waits
    // for the loads to end, then for the images being encoded (those queued are refused).
    const waitAtMost = () => new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref());
    await Promise.race([this.#everyThreadLoaded, waitAtMost()]);
    // Waited for here, not by piscina's close(): with several threads it can count one
    // thread done twice and end another while it still runs a network (seen as SIGABRT).
    await Promise.race([Promise.all(this.#running), waitAtMost()]);
    await this.#pool.close({ force: true });
  }
}
