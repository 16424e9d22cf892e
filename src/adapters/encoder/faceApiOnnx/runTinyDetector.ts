import * as ort from 'onnxruntime-node';
import type { Pixels } from './FaceApiOnnxEngine.ts';
import { squarePads } from './faceGeometry.ts';
import type { Detection } from './ssdDetections.ts';
import { tinyDetections, type TinyDetectorOptions } from './tinyDetections.ts';

/**
 * TinyFaceDetector.locateFaces on decoded pixels: `session` runs the network of
 * tinyDetectorNetwork(options.inputSize) on the whole image, padded at its bottom or right.
 */
export async function runTinyDetector(session: ort.InferenceSession, pixels: Pixels, options: TinyDetectorOptions): Promise<Detection[]> {
  const int64s = (values: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [values.length]);
  const output = await session.run({
    image: new ort.Tensor('uint8', pixels.data, [1, pixels.height, pixels.width, 3]),
    start: int64s([0, 0]),
    end: int64s([pixels.height, pixels.width]),
    pads: int64s(squarePads(pixels.width, pixels.height, false)),
  });
  const grid = output['grid'];
  if (!grid || grid.type !== 'float32') throw new Error('the network gave no float output grid');
  return tinyDetections(grid.data as Float32Array, pixels, options);
}
