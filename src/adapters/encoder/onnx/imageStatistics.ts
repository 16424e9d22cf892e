import type { NetworkSource } from './networkCache.ts';
import { OnnxGraph } from './OnnxGraph.ts';
import { chipInput } from './chipInput.ts';

/** The side the chip is read at, so measures do not depend on the face's size. */
export const statisticsSide = 112;

/**
 * A small graph that measures a face's chip: `brightness`, the mean luma
 * (Rec. 601 weights) from 0 to 1, and `detail`, the standard deviation of its
 * Laplacian, on a 0-255 scale, at a fixed resolution (the usual focus measure:
 * blur removes exactly the fine changes the Laplacian responds to).
 */
export const imageStatisticsNetwork: NetworkSource = {
  name: 'image-statistics',
  inputs: ['./imageStatistics.ts', './OnnxGraph.ts', './chipInput.ts'].map((path) => new URL(path, import.meta.url)),
  build() {
    const graph = new OnnxGraph();
    const rgb = chipInput(graph, statisticsSide, (planar) => planar);
    const luma = graph.node('Conv', [rgb, graph.floats([1, 3, 1, 1], [0.299, 0.587, 0.114])], { kernel_shape: [1, 1] });
    const laplacian = graph.node('Conv', [luma, graph.floats([1, 1, 3, 3], [0, 1, 0, 1, -4, 1, 0, 1, 0])], { kernel_shape: [3, 3] });
    const mean = (x: string) => graph.node('ReduceMean', [x], { axes: [1, 2, 3], keepdims: 0 });
    const variance = graph.node('Sub', [mean(graph.node('Mul', [laplacian, laplacian])), graph.node('Mul', [mean(laplacian), mean(laplacian)])]);
    graph.output('brightness', graph.node('Div', [mean(luma), graph.scalar(255)]), [1]);
    graph.output('detail', graph.node('Sqrt', [graph.node('Relu', [variance])]), [1]);
    return graph.encode('image_statistics');
  },
};
