import { workerData } from 'node:worker_threads';
import { loadReferenceFaceModel } from './faceApiReference.ts';

// A piscina worker running the engine before onnxruntime, so bench/engines.ts can load
// it the way the service used to: one copy of face-api per thread.
const model = await loadReferenceFaceModel({ maxInputPixels: (workerData as { maxInputPixels: number }).maxInputPixels });

export default (image: Uint8Array) => model.encode(image);
