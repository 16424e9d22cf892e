import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { threeFaces } from '../../../bench/images.ts';
import { decodeForDetection } from '../../../src/adapters/encoder/decodeForDetection.ts';
import { DescriptorNet } from '../../../src/adapters/encoder/engine/DescriptorNet.ts';
import { LandmarkNet } from '../../../src/adapters/encoder/engine/LandmarkNet.ts';
import { loadConfig } from '../../../src/app/config.ts';
import { euclidean } from '../../support/engineComparison.ts';
import { loadReferenceFaceModel, type ReferenceFaceModel } from '../../support/faceApiReference.ts';
import { fixture, hasSeedImages, seedImage } from '../../support/fixtures.ts';

// Stored sessions must stay comparable: given the box face-api's SSD gave a face, the
// engine's landmark and descriptor networks (face-api's, converted to ONNX by our own
// code) give the encoding face-api on TensorFlow.js gave, photo for photo. How far
// encodings moved with YuNet's boxes is `npm run equivalence`'s measure.
const config = loadConfig({});
let reference: ReferenceFaceModel;
let landmarks: LandmarkNet;
let descriptors: DescriptorNet;

beforeAll(async () => {
  reference = await loadReferenceFaceModel({ maxInputPixels: config.MAX_INPUT_PIXELS });
  const loading = {
    sessionOptions: { intraOpNumThreads: 1 },
    cacheFolder: config.MODEL_CACHE_DIR,
    onCacheFailure: (error: unknown) => {
      throw error;
    },
  };
  [landmarks, descriptors] = await Promise.all([LandmarkNet.load(loading), DescriptorNet.load(loading)]);
});

afterAll(async () => {
  await Promise.all([landmarks.release(), descriptors.release()]);
});

async function expectSameEncodings(image: Uint8Array, faceCount: number): Promise<void> {
  const pixels = await decodeForDetection(image, config.MAX_INPUT_PIXELS);
  const tensor = new ort.Tensor('uint8', pixels.data, [1, pixels.height, pixels.width, 3]);
  const expected = await reference.detect(pixels);
  expect(expected).toHaveLength(faceCount);
  for (const face of expected) {
    const read = await landmarks.read(tensor, pixels, face.box);
    const description = await descriptors.describe(tensor, pixels, read!.points, read!.region);
    expect(euclidean(Array.from(description!.descriptor), face.encoding)).toBeLessThan(1e-3);
  }
}

describe("face-api's networks on onnxruntime against face-api on TensorFlow.js, on face-api's boxes", () => {
  it.each([
    ['one-face-soccer.jpg', 1],
    ['one-face-basketball-1.png', 1],
    ['one-face-basketball-2.png', 1],
  ] as const)('give the same encodings in %s', async (name, faces) => {
    await expectSameEncodings(fixture(name), faces);
  });

  it('agree on three faces side by side, a photo stored sideways, and one larger than the decode size', async () => {
    await expectSameEncodings(await threeFaces(0), 3);
    const sideways = await sharp(fixture('one-face-basketball-1.png')).rotate(-90).withMetadata({ orientation: 6 }).png().toBuffer();
    await expectSameEncodings(sideways, 1);
    await expectSameEncodings(await sharp(fixture('one-face-soccer.jpg')).resize(2400).jpeg({ quality: 92 }).toBuffer(), 1);
  });
});

describe.skipIf(!hasSeedImages)("face-api's networks on the seed photos", () => {
  it.each([
    ['two-faces.jpg', 2],
    ['six-faces.jpg', 6],
  ] as const)('give the same encodings in %s', async (name, faces) => {
    await expectSameEncodings(seedImage(name), faces);
  });
});
