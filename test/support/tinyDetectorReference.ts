import { fileURLToPath } from 'node:url';
import { ready, setBackend } from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { nets, tf, TinyFaceDetectorOptions } from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import type { Pixels } from '../../src/adapters/encoder/faceApiOnnx/FaceApiOnnxEngine.ts';
import type { Detection } from '../../src/adapters/encoder/faceApiOnnx/ssdDetections.ts';
import type { TinyDetectorOptions } from '../../src/adapters/encoder/faceApiOnnx/tinyDetections.ts';

// face-api's own TinyFaceDetector on TensorFlow.js (wasm), loaded as faceApiReference.ts
// loads its networks: the reference the ONNX tiny detector is held to.

let loaded: Promise<void> | undefined;

async function load(): Promise<void> {
  setWasmPaths(packageFolder('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  if (!(await setBackend('wasm'))) throw new Error('The TensorFlow.js wasm backend could not start.');
  await ready();
  await nets.tinyFaceDetector.loadFromDisk(`${packageFolder('@vladmandic/face-api/package.json')}model`);
}

function packageFolder(fileInPackage: string): string {
  return fileURLToPath(new URL('./', import.meta.resolve(fileInPackage)));
}

/** nets.tinyFaceDetector.locateFaces on the same decoded pixels the ONNX detector gets. */
export async function referenceTinyDetections(pixels: Pixels, options: TinyDetectorOptions): Promise<Detection[]> {
  loaded ??= load();
  await loaded;
  const input = tf.tensor3d(pixels.data, [pixels.height, pixels.width, 3], 'int32');
  try {
    const found = await nets.tinyFaceDetector.locateFaces(input, new TinyFaceDetectorOptions(options));
    return found.map(({ score, box }) => ({ score, box: { x: box.x, y: box.y, width: box.width, height: box.height } }));
  } finally {
    input.dispose();
  }
}

export interface DetectionDifference {
  readonly referenceCount: number;
  readonly count: number;
  /** Largest difference of any box side, in pixels, over detections paired by position. */
  readonly maxBoxPixels: number;
  readonly maxScore: number;
}

/** Pairs each reference detection with the nearest box (near-tied scores may swap order). */
export function compareDetections(reference: readonly Detection[], detections: readonly Detection[]): DetectionDifference {
  let maxBoxPixels = 0;
  let maxScore = 0;
  const unpaired = [...detections];
  for (const expected of reference) {
    unpaired.sort((a, b) => boxPixels(expected, a) - boxPixels(expected, b));
    const paired = unpaired.shift();
    if (!paired) break;
    maxBoxPixels = Math.max(maxBoxPixels, boxPixels(expected, paired));
    maxScore = Math.max(maxScore, Math.abs(expected.score - paired.score));
  }
  return { referenceCount: reference.length, count: detections.length, maxBoxPixels, maxScore };
}

function boxPixels(a: Detection, b: Detection): number {
  const sides = (d: Detection) => [d.box.x, d.box.y, d.box.x + d.box.width, d.box.y + d.box.height];
  const [sa, sb] = [sides(a), sides(b)];
  return Math.max(...sa.map((side, index) => Math.abs(side - sb[index]!)));
}
