import { describe, expect, it } from 'vitest';
import { OnnxGraph } from '../../../src/adapters/encoder/onnx/OnnxGraph.ts';
import { humanFaceNetwork, humanFaceNetworkNames } from '../../../src/adapters/encoder/tfjsGraphOnnx/humanFaceNetworks.ts';
import { blazeFaceAnchors, blazeFaceDetections, nonMaxSuppression } from '../../../src/adapters/encoder/tfjsGraphOnnx/blazeFaceDetections.ts';
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

describe('BlazeFace decoding', () => {
  it("places human's anchors: two grids for 128 and 256 inputs, one of 48 x 48 for 192", () => {
    expect(blazeFaceAnchors(128)).toHaveLength(896 * 2);
    expect(blazeFaceAnchors(256)).toHaveLength(896 * 2);
    expect(blazeFaceAnchors(192)).toHaveLength(2304 * 2);
    // 256: stride 16 with 2 anchors a cell, then stride 32 with 6.
    const anchors = blazeFaceAnchors(256);
    expect(Array.from(anchors.subarray(0, 6))).toEqual([8, 8, 8, 8, 24, 8]);
    expect(Array.from(anchors.subarray(1024, 1026))).toEqual([16, 16]);
  });

  it('turns one anchor row into a box and keypoints in image pixels', () => {
    const detections = new Float32Array(896 * 17).fill(-10);
    // Anchor 0 sits at (4, 4) of the 128 input; the image is 256 x 512 (x2, x4).
    detections.set([2, 4, -2, 20, 10, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0);
    const [face, ...others] = blazeFaceDetections(detections, 128, { width: 256, height: 512 }, { maxDetected: 10, iouThreshold: 0.1, minConfidence: 0.5 });
    expect(others).toHaveLength(0);
    expect(face!.score).toBeCloseTo(1 / (1 + Math.exp(-2)));
    // Centre (8, 2), 20 x 10: x -2..18, y -3..7 of the input.
    expect(face!.box).toEqual({ left: -4, top: -12, right: 36, bottom: 28 });
    // Keypoints are offsets from the anchor: (1, 1) and (0, 0).
    expect(face!.keypoints[0]).toEqual([10, 20]);
    expect(face!.keypoints[1]).toEqual([8, 16]);
  });

  it("keeps the best of overlapping boxes, as TensorFlow's non-max suppression", () => {
    const boxes = Float64Array.from([0, 0, 10, 10, 1, 1, 11, 11, 50, 50, 60, 60, 0, 0, 10, 10]);
    const scores = Float64Array.from([0.8, 0.9, 0.7, 0.9]);
    const options = { maxDetected: 10, iouThreshold: 0.5, minConfidence: 0.2 };
    // Equal scores go to the lower index; 1 and 3 overlap by 0.68, 0 and 1 too.
    expect(nonMaxSuppression(boxes, scores, options)).toEqual([1, 2]);
    expect(nonMaxSuppression(boxes, scores, { ...options, maxDetected: 1 })).toEqual([1]);
    expect(nonMaxSuppression(boxes, scores, { ...options, minConfidence: 0.95 })).toEqual([]);
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

  it('folds shape arithmetic: Shape, StridedSlice and Pack make a static Reshape target', () => {
    const weights = new Map([
      ['begin', { shape: [1], data: Float32Array.of(0) }],
      ['end', { shape: [1], data: Float32Array.of(1) }],
      ['step', { shape: [1], data: Float32Array.of(1) }],
      ['minusOne', { shape: [], data: Float32Array.of(-1) }],
    ]);
    const nodes = [
      node('x', 'Placeholder'),
      node('shape', 'Shape', ['x']),
      { ...node('batch', 'StridedSlice', ['shape', 'begin', 'end', 'step']), attr: { shrink_axis_mask: { i: '1' } } },
      node('begin', 'Const'),
      node('end', 'Const'),
      node('step', 'Const'),
      node('minusOne', 'Const'),
      node('target', 'Pack', ['batch', 'minusOne']),
      node('flat', 'Reshape', ['x', 'target']),
    ];
    const translator = new TfjsGraphTranslator(new OnnxGraph(), { ...model(nodes), weights }, new Map([['x', input]]));
    expect(translator.value('batch')).toEqual(constant([], Float32Array.of(1)));
    expect(translator.value('flat')).toMatchObject({ kind: 'tensor', shape: [1, 48], channelsFirst: false });
  });

  it('moves constants between layouts element by element', () => {
    // [1, 2, 3] NHWC-like values 0..5, to [3, 1, 2]: element (c, 0, w) was (0, w, c).
    const moved = transpose(constant([1, 2, 3], Float32Array.from([0, 1, 2, 3, 4, 5])), [2, 0, 1]);
    expect(moved.shape).toEqual([3, 1, 2]);
    expect(Array.from(moved.data)).toEqual([0, 3, 1, 4, 2, 5]);
  });
});

describe("human's networks in the conversion cache", () => {
  it("have names none of which starts another's, so a new version of one never deletes another", () => {
    const names = humanFaceNetworkNames.map((name) => humanFaceNetwork(name).name);
    for (const name of names) expect(names.filter((other) => other.startsWith(`${name}-`)), name).toEqual([]);
  });
});
