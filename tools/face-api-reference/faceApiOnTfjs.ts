import { fileURLToPath } from 'node:url';
import { ready, setBackend } from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { nets, tf } from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import type { Point } from '../../src/domain/ImageEncodings.ts';
import type { Pixels } from '../../src/adapters/encoder/engine/Pixels.ts';

// face-api's landmark and descriptor networks on TensorFlow.js (wasm), as face-api runs
// them: the reference record.ts asks. TensorFlow.js is no dependency of this package; the
// recorder's header says how to install it for a run (tsconfig leaves this folder out).

export interface ReferenceNetworks {
  /** On a chip already at the network's input side: 112 for landmarks, 150 for descriptors. */
  landmarks(chip: Pixels): Promise<Point[]>;
  descriptor(chip: Pixels): Promise<number[]>;
}

export async function loadReferenceNetworks(): Promise<ReferenceNetworks> {
  setWasmPaths(packageFolder('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  if (!(await setBackend('wasm'))) throw new Error('The TensorFlow.js wasm backend could not start.');
  await ready();
  const modelFolder = `${packageFolder('@vladmandic/face-api/package.json')}model`;
  await Promise.all([nets.faceLandmark68Net.loadFromDisk(modelFolder), nets.faceRecognitionNet.loadFromDisk(modelFolder)]);
  const run = async <T>(chip: Pixels, read: (input: ReturnType<typeof tf.tensor3d>) => Promise<T>) => {
    const input = tf.tensor3d(chip.data, [chip.height, chip.width, 3], 'int32');
    try {
      return await read(input);
    } finally {
      input.dispose();
    }
  };
  return {
    landmarks: (chip) => run(chip, async (input) => ((await nets.faceLandmark68Net.detectLandmarks(input)) as { positions: Point[] }).positions.map(({ x, y }) => ({ x, y }))),
    descriptor: (chip) => run(chip, async (input) => Array.from((await nets.faceRecognitionNet.computeFaceDescriptor(input)) as Float32Array)),
  };
}

/** Folder (with a trailing slash) of a file shipped in a package, wherever it is installed. */
function packageFolder(fileInPackage: string): string {
  return fileURLToPath(new URL('./', import.meta.resolve(fileInPackage)));
}
