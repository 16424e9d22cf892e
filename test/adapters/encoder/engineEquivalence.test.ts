import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFaceModel, type FaceModel } from '../../../src/adapters/encoder/faceModel.ts';
import { loadConfig } from '../../../src/app/config.ts';
import { threeFaces } from '../../../bench/images.ts';
import { compareFaces } from '../../support/engineComparison.ts';
import { loadReferenceFaceModel, type ReferenceFaceModel } from '../../support/faceApiReference.ts';
import { fixture, hasSeedImages, seedImage } from '../../support/fixtures.ts';

// Stored sessions must stay comparable: the ONNX engine gives what face-api on
// TensorFlow.js gave, photo for photo.
let reference: ReferenceFaceModel;
let engine: FaceModel;

beforeAll(async () => {
  const config = loadConfig({});
  reference = await loadReferenceFaceModel({ maxInputPixels: config.MAX_INPUT_PIXELS });
  engine = await loadFaceModel({
    maxInputPixels: config.MAX_INPUT_PIXELS,
    modelCacheFolder: config.MODEL_CACHE_DIR,
    intraOpThreads: 1,
    onCacheFailure: (error) => {
      throw error;
    },
  });
});

afterAll(async () => {
  await engine.close();
});

async function expectSameFaces(image: Uint8Array, faceCount: number): Promise<void> {
  const [expected, actual] = [await reference.encode(image), await engine.encode(image)];
  expect(expected).toHaveLength(faceCount);
  const difference = compareFaces(expected, actual);
  expect(difference.faces).toBe(faceCount);
  expect(difference.maxBoxPixels).toBeLessThanOrEqual(1);
  expect(difference.maxEncodingDistance).toBeLessThan(1e-3);
}

describe('the ONNX engine against face-api on TensorFlow.js', () => {
  it.each([
    ['one-face-soccer.jpg', 1],
    ['one-face-basketball-1.png', 1],
    ['one-face-basketball-2.png', 1],
    ['no-face-baboon.jpg', 0],
  ] as const)('finds the same faces in %s, with the same boxes and encodings', async (name, faces) => {
    await expectSameFaces(fixture(name), faces);
  });

  it('agrees on three faces side by side', async () => {
    await expectSameFaces(await threeFaces(0), 3);
  });

  it('agrees on a photo stored sideways, with transparency, and larger than the decode size', async () => {
    const source = fixture('one-face-basketball-1.png');
    const sideways = await sharp(source).rotate(-90).withMetadata({ orientation: 6 }).png().toBuffer();
    const transparent = await sharp(source).ensureAlpha(0.7).png().toBuffer();
    const large = await sharp(fixture('one-face-soccer.jpg')).resize(2400).jpeg({ quality: 92 }).toBuffer();
    for (const image of [sideways, transparent, large]) await expectSameFaces(image, 1);
  });
});

describe.skipIf(!hasSeedImages)('the ONNX engine against face-api on the seed photos', () => {
  it.each([
    ['two-faces.jpg', 2],
    ['six-faces.jpg', 6],
    ['no-face-landscape.jpg', 0],
  ] as const)('finds the same faces in %s', async (name, faces) => {
    await expectSameFaces(seedImage(name), faces);
  });
});
