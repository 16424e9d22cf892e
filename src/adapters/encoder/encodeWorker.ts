import { parentPort, workerData } from 'node:worker_threads';
import { isFailure, type FailureCode } from '../../domain/Failure.ts';
import type { Face } from '../../domain/ImageEncodings.ts';
import type { ImageInfo } from '../../ports/ImageInspector.ts';
import { FaceEngine, type FaceEngineOptions } from './engine/FaceEngine.ts';

/** What a task answers. Errors lose their class crossing threads, so failures travel as data. */
export type EncodeOutcome = { faces: Face[] } | { failure: { code: FailureCode; detail: string } };

export type WorkerReport =
  | { kind: 'loaded'; milliseconds: number }
  | { kind: 'failed'; detail: string };

export type EncodeWorkerData = FaceEngineOptions;

export interface EncodeJob {
  readonly image: Uint8Array;
  readonly inspected?: ImageInfo;
}

export type EncodeTask = (job: EncodeJob) => Promise<EncodeOutcome>;

/** Piscina awaits this before the thread takes tasks: the model loads once per thread, with the thread free for I/O. */
export default prepareTask(workerData as EncodeWorkerData);

async function prepareTask(data: EncodeWorkerData): Promise<EncodeTask> {
  const startedAt = performance.now();
  let engine: FaceEngine;
  try {
    engine = await FaceEngine.load(data);
  } catch (error) {
    const detail = `The face model could not load: ${String(error)}`;
    report({ kind: 'failed', detail });
    // A thread that crashed here would be restarted forever; this one refuses each task instead.
    return () => Promise.reject(new Error(detail));
  }
  report({ kind: 'loaded', milliseconds: Math.round(performance.now() - startedAt) });
  return (job) => encode(engine, job);
}

async function encode(engine: FaceEngine, { image, inspected }: EncodeJob): Promise<EncodeOutcome> {
  try {
    return { faces: await engine.encode(image, inspected) };
  } catch (error) {
    if (isFailure(error)) return { failure: { code: error.code, detail: error.message } };
    throw error;
  }
}

function report(message: WorkerReport): void {
  parentPort?.postMessage(message);
}
