import { fileURLToPath } from 'node:url';
import { ready, setBackend } from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { detectAllFaces, nets, SsdMobilenetv1Options, tf } from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import type { Box, Face } from '../../src/domain/ImageEncodings.ts';
import { inspectImage } from '../../src/adapters/SharpImageInspector.ts';
import { decodeForDetection } from '../../src/adapters/encoder/decodeForDetection.ts';
import type { Point, Rect } from '../../src/adapters/encoder/engine/geometry.ts';
import type { Pixels } from '../../src/adapters/encoder/engine/Pixels.ts';

// The built-in engine before the move to onnxruntime: face-api on TensorFlow.js (wasm),
// unchanged but for its name. It is kept (with tfjs as a devDependency) only as the
// reference the converted networks are held to: given the same face chip, they must give
// face-api's numbers (engineEquivalence.test.ts).

/**
 * Below face-api's 0.5: a real group selfie's sixth face scores 0.37, while photos with
 * no face (landscape, baboon, a 24 MP street scene) never score above 0.17.
 */
const MIN_CONFIDENCE = 0.3;
/** Far above any plausible count: the domain decides what is too many. */
const MAX_RESULTS = 100;

const detectorOptions = new SsdMobilenetv1Options({ minConfidence: MIN_CONFIDENCE, maxResults: MAX_RESULTS });

export interface ReferenceFaceModel {
  encode(image: Uint8Array): Promise<Face[]>;
  /** SSD's boxes in the decoded pixels (unrounded, as face-api's nets were fed them) and their encodings. */
  detect(pixels: Pixels): Promise<{ box: Rect; encoding: number[] }[]>;
}

/** face-api's landmark and descriptor networks on a chip already at their input side (112 and 150). */
export interface ReferenceNetworks {
  landmarks(chip: Pixels): Promise<Point[]>;
  descriptor(chip: Pixels): Promise<number[]>;
}

export async function loadReferenceNetworks(): Promise<ReferenceNetworks> {
  await loadNetworksOnce();
  const run = async <T>(chip: Pixels, read: (input: ReturnType<typeof tf.tensor3d>) => Promise<T>) => {
    const input = tf.tensor3d(chip.data, [chip.height, chip.width, 3], 'int32');
    try {
      return await read(input);
    } finally {
      input.dispose();
    }
  };
  return {
    landmarks: (chip) => run(chip, async (input) => (await nets.faceLandmark68Net.detectLandmarks(input) as { positions: Point[] }).positions.map(({ x, y }) => ({ x, y }))),
    descriptor: (chip) => run(chip, async (input) => Array.from(await nets.faceRecognitionNet.computeFaceDescriptor(input) as Float32Array)),
  };
}

export async function loadReferenceFaceModel(options: { maxInputPixels: number }): Promise<ReferenceFaceModel> {
  await loadNetworksOnce();
  return { encode: (image) => encodeFaces(image, options.maxInputPixels), detect: detectFaces };
}

async function detectFaces(pixels: Pixels): Promise<{ box: Rect; encoding: number[] }[]> {
  const input = tf.tensor3d(pixels.data, [pixels.height, pixels.width, 3], 'int32');
  try {
    const found = await detectAllFaces(input, detectorOptions).withFaceLandmarks().withFaceDescriptors();
    return found.map((face) => {
      const { x, y, width, height } = face.detection.box;
      return { box: { x, y, width, height }, encoding: Array.from(face.descriptor) };
    });
  } finally {
    input.dispose();
  }
}

let networksLoaded: Promise<void> | undefined;

/** face-api keeps its networks in module state, so a thread loads them once. */
function loadNetworksOnce(): Promise<void> {
  networksLoaded ??= loadNetworks();
  return networksLoaded;
}

async function loadNetworks(): Promise<void> {
  setWasmPaths(packageFolder('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  if (!(await setBackend('wasm'))) throw new Error('The TensorFlow.js wasm backend could not start.');
  await ready();
  const modelFolder = `${packageFolder('@vladmandic/face-api/package.json')}model`;
  await Promise.all([
    nets.ssdMobilenetv1.loadFromDisk(modelFolder),
    nets.faceLandmark68Net.loadFromDisk(modelFolder),
    nets.faceRecognitionNet.loadFromDisk(modelFolder),
  ]);
  await warmUp();
}

/** Folder (with a trailing slash) of a file shipped in a package, wherever it is installed. */
function packageFolder(fileInPackage: string): string {
  return fileURLToPath(new URL('./', import.meta.resolve(fileInPackage)));
}

/** The first inference of each network is several times slower; pay that before taking work. */
async function warmUp(): Promise<void> {
  const blank = tf.tensor3d(new Int32Array(150 * 150 * 3), [150, 150, 3], 'int32');
  try {
    await nets.ssdMobilenetv1.locateFaces(blank, detectorOptions);
    await nets.faceLandmark68Net.detectLandmarks(blank);
    await nets.faceRecognitionNet.computeFaceDescriptor(blank);
  } finally {
    blank.dispose();
  }
}

async function encodeFaces(image: Uint8Array, maxInputPixels: number): Promise<Face[]> {
  const { width, height } = await inspectImage(image, maxInputPixels);
  const pixels = await decodeForDetection(image, maxInputPixels);
  const input = tf.tensor3d(pixels.data, [pixels.height, pixels.width, 3], 'int32');
  try {
    const found = await detectAllFaces(input, detectorOptions).withFaceLandmarks().withFaceDescriptors();
    const scale = { x: width / pixels.width, y: height / pixels.height };
    return found.map((face) => ({
      encoding: Array.from(face.descriptor),
      box: toImageBox(face.detection.box, scale, { width, height }),
    }));
  } finally {
    input.dispose();
  }
}

interface DetectedBox {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** From the downscaled image back to the oriented original, clipped to its edges. */
function toImageBox(
  box: DetectedBox,
  scale: { x: number; y: number },
  image: { width: number; height: number },
): Box {
  const left = clamp(Math.round(box.left * scale.x), 0, image.width);
  const top = clamp(Math.round(box.top * scale.y), 0, image.height);
  const right = clamp(Math.round(box.right * scale.x), left, image.width);
  const bottom = clamp(Math.round(box.bottom * scale.y), top, image.height);
  return { x: left, y: top, width: right - left, height: bottom - top };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
