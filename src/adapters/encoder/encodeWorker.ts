import { parentPort, workerData } from 'node:worker_threads';
import { isFailure, type FailureCode } from '../../domain/Failure.ts';
import type { Face } from '../../domain/ImageEncodings.ts';
import { loadFaceModel, type FaceModel, type FaceModelOptions } from './faceModel.ts';

/** What a task answers. Errors lose their class crossing threads, so failures travel as data. */
export type EncodeOutcome = { faces: Face[] } | { failure: { code: FailureCode; detail: string } };

/** Posted once per thread when its model is ready or could not load. */
export type WorkerReport =
  | { kind: 'loaded'; milliseconds: number }
  | { kind: 'failed'; detail: string };

export type EncodeWorkerData = FaceModelOptions;

export type EncodeTask = (image: Uint8Array) => Promise<EncodeOutcome>;

/**
 * Piscina awaits an exported promise before the thread takes tasks, so the model loads
 * once per thread, before its first task, and while the thread is free to do I/O.
 */
export default prepareTask(workerData as EncodeWorkerData);

async function prepareTask(data: EncodeWorkerData): Promise<EncodeTask> {
  const startedAt = performance.now();
  let model: FaceModel;
  try {
    model = await loadFaceModel(data);
  } catch (error) {
    const detail = `The face model could not load: ${String(error)}`;
    report({ kind: 'failed', detail });
    // A thread that crashed here would be restarted forever; this one refuses each task instead.
    return () => Promise.reject(new Error(detail));
  }
  report({ kind: 'loaded', milliseconds: Math.round(performance.now() - startedAt) });
  return (image) => encode(model, image);
}

async function encode(model: FaceModel, image: Uint8Array): Promise<EncodeOutcome> {
  try {
    return { faces: await model.encode(image) };
  } catch (error) {
    if (isFailure(error)) return { failure: { code: error.code, detail: error.message } };
    throw error;
  }
}

function report(message: WorkerReport): void {
  parentPort?.postMessage(message);
}
