import { VIEW_SIDE } from '../../src/adapters/encoder/engine/ViewCutter.ts';
import { chipInput } from './chipInput.ts';
import { OnnxGraph } from './OnnxGraph.ts';

/** A chip cut from the photo as upright uint8 RGB pixels, for YuNet to look at again. */
export function viewCutter(): Uint8Array {
  const graph = new OnnxGraph();
  // Whole levels, as a decoded photo has.
  const levels = graph.node('Round', [graph.node('Clip', [chipInput(graph, VIEW_SIDE, (x) => x), graph.scalar(0), graph.scalar(255)])]);
  const pixels = graph.node('Transpose', [graph.node('Cast', [levels], { to: 2 })], { perm: [0, 2, 3, 1] });
  graph.output('pixels', pixels, [1, VIEW_SIDE, VIEW_SIDE, 3], 'uint8');
  return graph.encode('view_cutter');
}
