import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

/** One of the networks committed in models/ (models/README.md says how each was made). */
export function loadNetwork(file: string, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(fileURLToPath(new URL(`../../../../models/${file}`, import.meta.url)), options);
}
