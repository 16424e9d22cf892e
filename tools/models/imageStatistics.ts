import type { OnnxGraph } from './OnnxGraph.ts';

/** The side the chip is measured at, so measures do not depend on the face's size. */
const STATISTICS_SIDE = 112;

/**
 * Adds to `graph` two measures of a face's chip (`rgb`, float RGB planes [1, 3, side,
 * side], 0-255), resampled to 112: `brightness`, the mean luma (Rec. 601 weights) from 0
 * to 1, and `detail`, the standard deviation of its Laplacian on a 0-255 scale (the usual
 * focus measure: blur removes exactly the fine changes the Laplacian responds to).
 */
export function addImageStatistics(graph: OnnxGraph, rgb: string): void {
  const resized = graph.node('Resize', [rgb, '', '', graph.int64s([1, 3, STATISTICS_SIDE, STATISTICS_SIDE])], { mode: 'linear' });
  const luma = graph.node('Conv', [resized, graph.floats([1, 3, 1, 1], [0.299, 0.587, 0.114])], { kernel_shape: [1, 1] });
  const laplacian = graph.node('Conv', [luma, graph.floats([1, 1, 3, 3], [0, 1, 0, 1, -4, 1, 0, 1, 0])], { kernel_shape: [3, 3] });
  const mean = (x: string) => graph.node('ReduceMean', [x], { axes: [1, 2, 3], keepdims: 0 });
  const variance = graph.node('Sub', [mean(graph.node('Mul', [laplacian, laplacian])), graph.node('Mul', [mean(laplacian), mean(laplacian)])]);
  graph.output('brightness', graph.node('Div', [mean(luma), graph.scalar(255)]), [1]);
  graph.output('detail', graph.node('Sqrt', [graph.node('Relu', [variance])]), [1]);
}
