import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyDetectorNetwork } from '../../../src/adapters/encoder/faceApiOnnx/faceApiGraphs.ts';
import { runTinyDetector } from '../../../src/adapters/encoder/faceApiOnnx/runTinyDetector.ts';
import { decodedPixels } from '../../support/decodedPixels.ts';
import { fixture, hasSeedImages, seedImage } from '../../support/fixtures.ts';
import { compareDetections, referenceTinyDetections } from '../../support/tinyDetectorReference.ts';

// The ONNX tiny face detector finds what face-api's TinyFaceDetector on TensorFlow.js
// finds, from the same decoded pixels.
const inputSizes = [416, 608] as const;
const scoreThreshold = 0.3;
const sessions = new Map<number, ort.InferenceSession>();

beforeAll(async () => {
  for (const inputSize of inputSizes) {
    sessions.set(inputSize, await ort.InferenceSession.create(tinyDetectorNetwork(inputSize).build(), { intraOpNumThreads: 1 }));
  }
});

afterAll(async () => {
  await Promise.all([...sessions.values()].map((session) => session.release()));
});

/** `expected`: face-api's count at 416 and at 608, so agreeing on nothing cannot pass. */
async function expectSameDetections(image: Uint8Array, expected: readonly [number, number]): Promise<void> {
  const pixels = await decodedPixels(image);
  for (const [index, inputSize] of inputSizes.entries()) {
    const options = { inputSize, scoreThreshold };
    const reference = await referenceTinyDetections(pixels, options);
    const difference = compareDetections(reference, await runTinyDetector(sessions.get(inputSize)!, pixels, options));
    expect({ inputSize, referenceCount: difference.referenceCount, count: difference.count }).toEqual({ inputSize, referenceCount: expected[index], count: expected[index] });
    expect(difference.maxBoxPixels).toBeLessThanOrEqual(1);
    expect(difference.maxScore).toBeLessThanOrEqual(1e-3);
  }
}

describe('the ONNX tiny face detector against face-api on TensorFlow.js, at input sizes 416 and 608', () => {
  it.each([
    ['one-face-soccer.jpg', [0, 1]],
    ['one-face-basketball-1.png', [1, 1]],
    ['one-face-basketball-2.png', [0, 1]],
    // The baboon's face is a face to this detector.
    ['no-face-baboon.jpg', [1, 2]],
  ] as const)('finds the same boxes with the same scores in %s', async (name, expected) => {
    await expectSameDetections(fixture(name), expected);
  });
});

describe.skipIf(!hasSeedImages)('the ONNX tiny face detector against face-api on the seed photos', () => {
  it.each([
    ['two-faces.jpg', [2, 2]],
    ['six-faces.jpg', [6, 6]],
    ['no-face-landscape.jpg', [0, 0]],
    ['large-6000x4000-no-face.jpg', [0, 0]],
  ] as const)('finds the same boxes with the same scores in %s', async (name, expected) => {
    await expectSameDetections(seedImage(name), expected);
  });
});
