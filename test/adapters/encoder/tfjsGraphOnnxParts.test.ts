import { describe, expect, it } from 'vitest';
import { OnnxGraph } from '../../../src/adapters/encoder/onnx/OnnxGraph.ts';
import { cropToImage, meshCropBox, regionFeeds } from '../../../src/adapters/encoder/tfjsGraphOnnx/meshCrop.ts';
import type { TfjsGraphModel, TfNode } from '../../../src/adapters/encoder/tfjsGraphOnnx/tfjsGraphModel.ts';
import { TfjsGraphTranslator } from '../../../src/adapters/encoder/tfjsGraphOnnx/TfjsGraphTranslator.ts';
import { tensor, transpose, constant } from '../../../src/adapters/encoder/tfjsGraphOnnx/tfValues.ts';

describe("FaceMesh's crop", () => {
  it('enlarges a face box 1.4 times around its centre and squares it on the longer side, as human does', () => {
    // Centre (60, 45); 140 x 70 enlarged; a 140 square.
    expect(meshCropBox({ left: 10, top: 20, right: 110, bottom: 70 })).toEqual({ left: -10, top: -25, right: 130, bottom: 115 });
  });

  it('slices the part inside the image and pads the rest with zeros', () => {
    expect(regionFeeds({ left: -10, top: -25, right: 130, bottom: 115 }, 120, 100)).toEqual({
      start: [0, 0],
      end: [100, 120],
      pads: [0, 25, 10, 0, 0, 15, 10, 0],
    });
    expect(regionFeeds({ left: 5, top: 6, right: 50, bottom: 60 }, 120, 100)).toEqual({ start: [6, 5], end: [60, 50], pads: [0, 0, 0, 0, 0, 0, 0, 0] });
  });

  it('has nothing to cut from a box that misses the image, and wants whole pixels', () => {
    expect(regionFeeds({ left: 130, top: 0, right: 200, bottom: 70 }, 120, 100)).toBeUndefined();
    expect(() => regionFeeds({ left: 0.5, top: 0, right: 20, bottom: 20 }, 120, 100)).toThrow('whole pixels');
  });

  it("maps the crop's corner samples back to the box's corner pixels", () => {
    const region = { left: 100, top: 50, right: 292, bottom: 242 };
    expect(cropToImage([0, 0], region, 192)).toEqual([100, 50]);
    expect(cropToImage([191, 191], region, 192)).toEqual([291, 241]);
  });
});

describe('the tfjs graph translator', () => {
  const node = (name: string, op: string, input: string[] = []): TfNode => ({ name, op, input });
  const model = (nodes: TfNode[]): TfjsGraphModel => ({ nodes: new Map(nodes.map((n) => [n.name, n])), weights: new Map(), signatureOutputs: new Map() });
  const input = tensor('image', [1, 4, 4, 3], true);

  it('refuses an op it cannot translate, by name', () => {
    const translator = new TfjsGraphTranslator(new OnnxGraph(), model([node('x', 'Placeholder'), node('y', 'Erf', ['x'])]), new Map([['x', input]]));
    expect(() => translator.value('y')).toThrow('no ONNX translation for Erf (node y)');
  });

  it('refuses a placeholder the model does not have', () => {
    expect(() => new TfjsGraphTranslator(new OnnxGraph(), model([node('x', 'Const')]), new Map([['x', input]]))).toThrow('no placeholder x');
  });

  it('reshapes in TensorFlow element order, to a target given as a constant with -1', () => {
    const weights = new Map([['target', { shape: [2], data: Float32Array.of(1, -1) }]]);
    const nodes = [node('x', 'Placeholder'), node('target', 'Const'), node('flat', 'Reshape', ['x', 'target'])];
    const translator = new TfjsGraphTranslator(new OnnxGraph(), { ...model(nodes), weights }, new Map([['x', input]]));
    expect(translator.value('flat')).toMatchObject({ kind: 'tensor', shape: [1, 48], channelsFirst: false });
  });

  it('moves constants between layouts element by element', () => {
    // [1, 2, 3] NHWC-like values 0..5, to [3, 1, 2]: element (c, 0, w) was (0, w, c).
    const moved = transpose(constant([1, 2, 3], Float32Array.from([0, 1, 2, 3, 4, 5])), [2, 0, 1]);
    expect(moved.shape).toEqual([3, 1, 2]);
    expect(Array.from(moved.data)).toEqual([0, 3, 1, 4, 2, 5]);
  });
});
