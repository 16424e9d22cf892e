import { fileURLToPath } from 'node:url';
import type { NetworkSource } from '../onnx/networkCache.ts';
import { OnnxGraph } from '../onnx/OnnxGraph.ts';
import { regionInput } from '../onnx/regionInput.ts';
import { readTfjsGraphModel, shapeAttr, tfjsGraphModelFiles, type TfjsGraphModel } from './tfjsGraphModel.ts';
import { TfjsGraphTranslator } from './TfjsGraphTranslator.ts';
import { tensor } from './tfValues.ts';

/**
 * MediaPipe FaceMesh as @vladmandic/human ships it: a tfjs graph model. The package
 * exports no package.json, so its folder is found from a file it does export (only
 * resolved, never loaded).
 */
export function faceMeshModelFile(): string {
  return fileURLToPath(new URL('../models/facemesh.json', import.meta.resolve('@vladmandic/human')));
}

const converterSources = [
  './faceMeshNetwork.ts',
  './TfjsGraphTranslator.ts',
  './tfOps.ts',
  './tfValues.ts',
  './tfjsGraphModel.ts',
  '../onnx/OnnxGraph.ts',
  '../onnx/tfjsWeights.ts',
  '../onnx/regionInput.ts',
].map((path) => new URL(path, import.meta.url));

/**
 * FaceMesh converted to ONNX behind the shared `regionInput` stage, fed as human feeds
 * it (src/face/facemesh.ts, facemeshutil.ts): the crop sampled as tf.image.cropAndResize
 * does ('align_corners'), pixels scaled to [0, 1]. Outputs `faceflag` [1, 1], the
 * probability that the crop holds a face (after the graph's own Sigmoid), and `mesh`
 * [1, 1404], 468 points as x, y, z in the 192 x 192 crop's pixels; meshCrop.ts makes the
 * crop feeds. The contours output, which human does not read, is never built.
 */
export function faceMeshNetwork(): NetworkSource {
  const modelFile = faceMeshModelFile();
  return {
    name: 'human-face-mesh',
    inputs: [...tfjsGraphModelFiles(modelFile), ...converterSources],
    build: () => buildFaceMesh(readTfjsGraphModel(modelFile)),
  };
}

function buildFaceMesh(model: TfjsGraphModel): Uint8Array {
  const graph = new OnnxGraph();
  const { name, side } = squareInput(model);
  const image = regionInput(graph, side, 'align_corners', (x) => graph.node('Div', [x, graph.scalar(255)]));
  const translator = new TfjsGraphTranslator(graph, model, new Map([[name, tensor(image, [1, side, side, 3], true)]]));
  translator.output('faceflag', signatureOutput(model, 'output_faceflag'));
  translator.output('mesh', signatureOutput(model, 'output_mesh'));
  return graph.encode('human-facemesh');
}

/** The model's one input, a square RGB image [batch, side, side, 3]. */
export function squareInput(model: TfjsGraphModel): { name: string; side: number } {
  const placeholders = [...model.nodes.values()].filter((node) => node.op === 'Placeholder');
  const [only, ...others] = placeholders;
  if (!only || others.length > 0) throw new Error(`expected one input, the model has ${placeholders.length}`);
  const [, height, width, channels] = shapeAttr(only, 'shape');
  if (height !== width || channels !== 3) throw new Error(`expected a square RGB input, got [${shapeAttr(only, 'shape').join(', ')}]`);
  return { name: only.name, side: height! };
}

function signatureOutput(model: TfjsGraphModel, key: string): string {
  const tensorName = model.signatureOutputs.get(key);
  if (!tensorName) throw new Error(`the model's signature has no output ${key}`);
  return tensorName;
}
