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
