import type { OnnxGraph } from './OnnxGraph.ts';

/**
 * The input stage every network here starts with, so pixel work happens in
 * onnxruntime, never in a JavaScript loop. `image` is the decoded photo, uint8 RGB
 * [1, H, W, 3]; `start` and `end` ([top, left], [bottom, right]) cut a region of it;
 * `pads` pads that region with zeros ([0, top, left, 0, 0, bottom, right, 0]); the
 * result is resized to side x side and handed to `normalise` as float NCHW.
 *
 * `sampling` is ONNX Resize's coordinate_transformation_mode: 'asymmetric' is
 * tf.image.resizeBilinear with alignCorners and halfPixelCenters false (face-api);
 * 'align_corners' samples the region's corner pixels exactly, as tf.image.cropAndResize.
 */
export function regionInput(
  graph: OnnxGraph,
  side: number,
  sampling: 'asymmetric' | 'align_corners',
  normalise: (planar: string) => string,
): string {
  const image = graph.input('image', 'uint8', [1, 'height', 'width', 3]);
  const start = graph.input('start', 'int64', [2]);
  const end = graph.input('end', 'int64', [2]);
  const pads = graph.input('pads', 'int64', [8]);
  const region = graph.node('Slice', [image, start, end, graph.int64s([1, 2])]);
  const padded = graph.node('Pad', [graph.node('Cast', [region], { to: 1 }), pads], { mode: 'constant' });
  const planar = graph.node('Transpose', [padded], { perm: [0, 3, 1, 2] });
  return normalise(graph.node('Resize', [planar, '', '', graph.int64s([1, 3, side, side])], { mode: 'linear', coordinate_transformation_mode: sampling }));
}
