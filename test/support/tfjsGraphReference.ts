import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

// The original tfjs graph models, run by TensorFlow.js itself (wasm backend): the
// reference the ONNX conversions in src/adapters/encoder/tfjsGraphOnnx are held to.

let backendReady: Promise<void> | undefined;

function startWasmBackend(): Promise<void> {
  backendReady ??= (async () => {
    setWasmPaths(fileURLToPath(new URL('./', import.meta.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))));
    if (!(await tf.setBackend('wasm'))) throw new Error('The TensorFlow.js wasm backend could not start.');
    await tf.ready();
  })();
  return backendReady;
}

interface ModelJson {
  readonly modelTopology: object;
  readonly weightsManifest: readonly { readonly paths: readonly string[]; readonly weights: tf.io.WeightsManifestEntry[] }[];
  readonly format?: string;
  readonly generatedBy?: string;
  readonly convertedBy?: string;
  readonly signature?: object;
  readonly userDefinedMetadata?: Record<string, object>;
}

/** A graph model from its model.json and shards on disk, without fetch or a file:// loader. */
export async function loadTfjsGraphModel(modelFile: string): Promise<tf.GraphModel> {
  await startWasmBackend();
  const json = JSON.parse(readFileSync(modelFile, 'utf8')) as ModelJson;
  const shards = json.weightsManifest.flatMap((group) => group.paths.map((path) => readFileSync(join(dirname(modelFile), path))));
  const weightData = Buffer.concat(shards);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
    ...(json.format === undefined ? {} : { format: json.format }),
    ...(json.generatedBy === undefined ? {} : { generatedBy: json.generatedBy }),
    ...(json.convertedBy === undefined ? {} : { convertedBy: json.convertedBy }),
    ...(json.signature === undefined ? {} : { signature: json.signature }),
    ...(json.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: json.userDefinedMetadata }),
  };
  return tf.loadGraphModel({ load: async () => artifacts });
}

/**
 * Runs a graph model on one NHWC float image and reads every output asked for, or its
 * default outputs (in the order human's `model.execute(input)` gets them).
 */
export async function runTfjsGraphModel(
  model: tf.GraphModel,
  input: { readonly data: Float32Array; readonly shape: readonly number[] },
  outputs?: readonly string[],
): Promise<Float32Array[]> {
  const x = tf.tensor(input.data, [...input.shape], 'float32');
  try {
    const result = outputs ? model.execute(x, [...outputs]) : model.execute(x);
    const tensors = Array.isArray(result) ? result : [result];
    try {
      return await Promise.all(tensors.map(async (t) => (await t.data()) as Float32Array));
    } finally {
      tf.dispose(tensors);
    }
  } finally {
    x.dispose();
  }
}

/**
 * FaceMesh exactly as human feeds it (facemeshutil.ts cutAndResize): the box, divided
 * by the image's size, cut with tf.image.cropAndResize to 192 x 192, then / 255.
 * Returns [faceflag, mesh].
 */
export async function runHumanFaceMesh(
  model: tf.GraphModel,
  image: { readonly data: Uint8Array; readonly width: number; readonly height: number },
  box: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number },
): Promise<[number, Float32Array]> {
  const { width, height } = image;
  const tensors = tf.tidy(() => {
    const pixels = tf.tensor4d(Float32Array.from(image.data), [1, height, width, 3]);
    const crop = tf.image.cropAndResize(pixels, [[box.top / height, box.left / width, box.bottom / height, box.right / width]], [0], [192, 192]);
    return model.execute(tf.div(crop, 255), ['Identity_1', 'Identity_2']) as tf.Tensor[];
  });
  try {
    const [flag, mesh] = await Promise.all(tensors.map(async (t) => (await t.data()) as Float32Array));
    return [flag![0]!, mesh!];
  } finally {
    tf.dispose(tensors);
  }
}
