import * as ort from 'onnxruntime-node';
import { squarePads, type Rect } from '../faceApiOnnx/faceGeometry.ts';
import type { OnnxGraph } from './OnnxGraph.ts';

/**
 * The input stage every network here starts with, so pixel work happens in
 * onnxruntime, never in a JavaScript loop. `image` is the decoded photo, uint8 RGB
 * [1, H, W, 3]; `start` and `end` ([top, left], [bottom, right]) cut a region of it;
 * `pads` pads that region with zeros ([0, top, left, 0, 0, bottom, right, 0]); the
 * result is resized to side x side and handed to `normalise` as float NCHW. The resize
 * is tf.image.resizeBilinear with alignCorners and halfPixelCenters false, as face-api's
 * (ONNX Resize's 'asymmetric' coordinates).
 */
export function regionInput(graph: OnnxGraph, side: number, normalise: (planar: string) => string): string {
  const image = graph.input('image', 'uint8', [1, 'height', 'width', 3]);
  const start = graph.input('start', 'int64', [2]);
  const end = graph.input('end', 'int64', [2]);
  const pads = graph.input('pads', 'int64', [8]);
  const region = graph.node('Slice', [image, start, end, graph.int64s([1, 2])]);
  const padded = graph.node('Pad', [graph.node('Cast', [region], { to: 1 }), pads], { mode: 'constant' });
  const planar = graph.node('Transpose', [padded], { perm: [0, 3, 1, 2] });
  return normalise(graph.node('Resize', [planar, '', '', graph.int64s([1, 3, side, side])], { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }));
}

/** The feeds of a `regionInput` graph: `region` of `image` (uint8 [1, H, W, 3]), padded to a centred square as face-api pads it. */
export function regionFeeds(image: ort.Tensor, region: Rect): Record<string, ort.Tensor> {
  const int64s = (values: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [values.length]);
  return {
    image,
    start: int64s([region.y, region.x]),
    end: int64s([region.y + region.height, region.x + region.width]),
    pads: int64s(squarePads(region.width, region.height)),
  };
}
