import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

export function loadNetwork(file: string, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(fileURLToPath(new URL(`../../../../models/${file}`, import.meta.url)), options);
}
