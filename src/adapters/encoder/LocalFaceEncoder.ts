import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { Failure } from '../../domain/Failure.ts';
import type { Face } from '../../domain/ImageEncodings.ts';
import type { EncodeOptions, FaceEncoder } from '../../ports/FaceEncoder.ts';
import type { EncodeJob, EncodeOutcome, EncodeWorkerData, WorkerReport } from './encodeWorker.ts';

export interface LocalFaceEncoderOptions extends EncodeWorkerData {
  readonly threads: number;
  readonly onError?: (error: unknown) => void;
}

// One image runs the networks (which hold the thread) while the next one decodes.
const TASKS_PER_THREAD = 2;
const CLOSE_WAIT_MS = 30_000;

/** The engine in worker threads, queueing without bound (QueueingFaceEncoder in front admits). Signals are not given to piscina: it would end a running thread, which aborts the process. */
export class LocalFaceEncoder implements FaceEncoder {
  readonly concurrency: number;
  readonly #pool: Piscina<EncodeJob, EncodeOutcome>;
  readonly #modelReady: Promise<void>;
  readonly #everyThreadLoaded: Promise<void>;
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
    // A copy of exactly these bytes: cloning a Buffer that is a view would copy the whole pool it points into.
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
      throw new Failure('encoder_unavailable', 'The face encoder failed; try again shortly.', {
        cause: error,
        retryAfterSeconds: 1,
      });
    }
    if ('failure' in outcome) throw new Failure(outcome.failure.code, outcome.failure.detail);
    return outcome.faces;
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new Failure('encoder_unavailable', 'The face encoder is closed.');
    await this.#modelReady;
  }

  async close(): Promise<void> {
    this.#closed = true;
    // Ending a thread while onnxruntime loads or runs a network aborts the process, and piscina's
    // close() can end one still running with several threads (SIGABRT): wait for both here.
    const waitAtMost = () => new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref());
    await Promise.race([this.#everyThreadLoaded, waitAtMost()]);
    await Promise.race([Promise.all(this.#running), waitAtMost()]);
    await this.#pool.close({ force: true });
  }
}
