import * as ort from 'onnxruntime-node';
import { chipToPhoto, type Chip } from '../engine/Chip.ts';
import type { OnnxGraph } from './OnnxGraph.ts';

/**
 * The input stage every face network here starts with: it cuts `count` chips (squares at
 * any angle) from the photo and resamples each upright at side x side, inside
 * onnxruntime. `image` is the decoded photo, uint8 RGB [1, H, W, 3]; `start` and `end`
 * ([top, left], [bottom, right]) cut the part of it the chips cover; `affine`
 * [count, 3, 2] maps a chip's point (u, v, 1), in units of its side, to GridSample's
 * coordinates in that part. The result is float RGB [count, 3, side, side], 0-255.
 * Outside the photo a chip is black, as face-api padded faces at its edges. Upright, a
 * chip samples where tf.image.resizeBilinear sampled face-api's square (pixel j of the
 * output at j / side of the chip), so an upright face reads as before.
 */
export function chipInput(graph: OnnxGraph, side: number, normalise: (planar: string) => string, count = 1): string {
  const image = graph.input('image', 'uint8', [1, 'height', 'width', 3]);
  const start = graph.input('start', 'int64', [2]);
  const end = graph.input('end', 'int64', [2]);
  const affine = graph.input('affine', 'float', [3, count * 2]);
  const part = graph.node('Slice', [image, start, end, graph.int64s([1, 2])]);
  const planar = graph.node('Transpose', [graph.node('Cast', [part], { to: 1 })], { perm: [0, 3, 1, 2] });
  // GridSample takes one grid per image: the chips side by side, [1, side, count x side, 2].
  const points = graph.node('Reshape', [graph.node('MatMul', [graph.floats([side * side, 3], chipPoints(side)), affine]), graph.int64s([side, side, count, 2])]);
  const grid = graph.node('Reshape', [graph.node('Transpose', [points], { perm: [0, 2, 1, 3] }), graph.int64s([1, side, count * side, 2])]);
  const sampled = graph.node('GridSample', [planar, grid], { mode: 'bilinear', padding_mode: 'zeros', align_corners: 0 });
  const chips = graph.node('Transpose', [graph.node('Reshape', [sampled, graph.int64s([3, side, count, side])])], { perm: [2, 0, 1, 3] });
  return normalise(chips);
}

/** (u, v, 1) of each output pixel, row by row: pixel (j, i) at (j / side, i / side). */
function chipPoints(side: number): Float32Array {
  const points = new Float32Array(side * side * 3);
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) points.set([j / side, i / side, 1], (i * side + j) * 3);
  }
  return points;
}

/** The feeds of a `chipInput` graph for `chips` of `image`; undefined when they hold no pixel of it. */
export function chipFeeds(image: ort.Tensor, chips: readonly Chip[]): Record<string, ort.Tensor> | undefined {
  const [, height, width] = image.dims as [number, number, number, number];
  const corners = chips.flatMap((chip) => [chipToPhoto(chip, 0, 0), chipToPhoto(chip, 1, 0), chipToPhoto(chip, 0, 1), chipToPhoto(chip, 1, 1)]);
  // One pixel more on each side, for the bilinear neighbours of a chip's edge.
  const left = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.x))) - 1);
  const top = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.y))) - 1);
  const right = Math.min(width, Math.ceil(Math.max(...corners.map((p) => p.x))) + 2);
  const bottom = Math.min(height, Math.ceil(Math.max(...corners.map((p) => p.y))) + 2);
  if (right <= left || bottom <= top) return undefined;
  const [partWidth, partHeight] = [right - left, bottom - top];
  // GridSample (align_corners 0) puts pixel k of a side n at (2k + 1) / n - 1.
  const normalised = (point: { x: number; y: number }) => [(2 * (point.x - left) + 1) / partWidth - 1, (2 * (point.y - top) + 1) / partHeight - 1] as const;
  // Row by row (u, v, 1), each chip's two columns side by side.
  const affine = new Float32Array(3 * 2 * chips.length);
  chips.forEach((chip, i) => {
    const [origin, alongU, alongV] = [chipToPhoto(chip, 0, 0), chipToPhoto(chip, 1, 0), chipToPhoto(chip, 0, 1)].map(normalised) as [readonly [number, number], readonly [number, number], readonly [number, number]];
    const columns = [[alongU[0] - origin[0], alongV[0] - origin[0], origin[0]], [alongU[1] - origin[1], alongV[1] - origin[1], origin[1]]];
    columns.forEach((column, c) => column.forEach((value, row) => (affine[row * 2 * chips.length + 2 * i + c] = value)));
  });
  const int64s = (values: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [values.length]);
  return { image, start: int64s([top, left]), end: int64s([bottom, right]), affine: new ort.Tensor('float32', affine, [3, 2 * chips.length]) };
}
