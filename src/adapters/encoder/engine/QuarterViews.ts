import * as ort from 'onnxruntime-node';
import { chipFeeds, chipInput } from '../onnx/chipInput.ts';
import { OnnxGraph } from '../onnx/OnnxGraph.ts';
import type { Chip } from './Chip.ts';

/**
 * Views of a face for YuNet to look at again: one chip of the photo and the same chip
 * turned a quarter, a half and three quarters clockwise (exact pixel turns of one cut),
 * as a batch of YuNet's own input: float32 BGR planes [4, 3, side, side], whole levels 0-255.
 */
export class QuarterViews {
  readonly #session: ort.InferenceSession;

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
  }

  static async load(side: number, options: ort.InferenceSession.SessionOptions): Promise<QuarterViews> {
    const graph = new OnnxGraph();
    // Whole levels, as YuNet reads a decoded photo.
    const view = graph.node('Gather', [graph.node('Round', [chipInput(graph, side, (x) => x)]), graph.int64s([2, 1, 0])], { axis: 1 });
    const reversed = (x: string, axis: number) => graph.node('Slice', [x, graph.int64s([-1]), graph.int64s([-(2 ** 62)]), graph.int64s([axis]), graph.int64s([-1])]);
    const transposed = graph.node('Transpose', [view], { perm: [0, 1, 3, 2] });
    // Clockwise on screen: a quarter is the transpose read right to left; three quarters, bottom to top.
    const turns = [view, reversed(transposed, 3), reversed(reversed(view, 2), 3), reversed(transposed, 2)];
    graph.output('views', graph.node('Concat', turns, { axis: 0 }), [4, 3, side, side]);
    return new QuarterViews(await ort.InferenceSession.create(graph.encode('quarter_views'), options));
  }

  /** Undefined when the chip holds no pixel of the photo. */
  async cut(image: ort.Tensor, chip: Chip): Promise<ort.Tensor | undefined> {
    const feeds = chipFeeds(image, [chip]);
    if (!feeds) return undefined;
    const views = (await this.#session.run(feeds))['views'];
    if (!views || views.type !== 'float32') throw new Error('the quarter views gave no views');
    return views;
  }

  release(): Promise<void> {
    return this.#session.release();
  }
}
