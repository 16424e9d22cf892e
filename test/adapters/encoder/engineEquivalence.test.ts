import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeForDetection } from '../../../src/adapters/encoder/decodeForDetection.ts';
import { DescriptorNet } from '../../../src/adapters/encoder/engine/DescriptorNet.ts';
import { FaceEngine } from '../../../src/adapters/encoder/engine/FaceEngine.ts';
import { LandmarkNet } from '../../../src/adapters/encoder/engine/LandmarkNet.ts';
import type { Pixels } from '../../../src/adapters/encoder/engine/Pixels.ts';
import { loadConfig } from '../../../src/app/config.ts';
import { euclidean } from '../../support/engineComparison.ts';
import { loadReferenceNetworks, type ReferenceNetworks } from '../../support/faceApiReference.ts';
import { fixture, hasSeedImages, seedImage } from '../../support/fixtures.ts';

// The landmark and descriptor networks are face-api's, converted to ONNX by our own code
// (faceApiGraphs.ts) and fed through our chip input stage: given the same face chip, at
// the side each network reads, they must give what face-api on TensorFlow.js gives.
const config = loadConfig({});
let reference: ReferenceNetworks;
let engine: FaceEngine;
let landmarks: LandmarkNet;
let descriptors: DescriptorNet;

beforeAll(async () => {
  reference = await loadReferenceNetworks();
  const loading = {
    sessionOptions: { intraOpNumThreads: 1 },
    cacheFolder: config.MODEL_CACHE_DIR,
    onCacheFailure: (error: unknown) => {
      throw error;
    },
  };
  engine = await FaceEngine.load({ cacheFolder: config.MODEL_CACHE_DIR, intraOpThreads: 1, onCacheFailure: loading.onCacheFailure });
  [landmarks, descriptors] = await Promise.all([LandmarkNet.load(loading), DescriptorNet.load(loading)]);
});

afterAll(async () => {
  await Promise.all([engine.close(), landmarks.release(), descriptors.release()]);
});

/** The square around each face's chip, cut from the photo and resized by libvips to `side`: any face image will do, as long as both engines read the same one. */
async function faceSquares(image: Uint8Array, side: number): Promise<Pixels[]> {
  const pixels = await decodeForDetection(image, config.MAX_INPUT_PIXELS);
  const raw = { raw: { width: pixels.width, height: pixels.height, channels: 3 as const } };
  const squares: Pixels[] = [];
  for (const face of await engine.findFaces(pixels)) {
    const half = Math.floor(face.chip.side / 2);
    const left = Math.max(0, Math.round(face.chip.centre.x) - half);
    const top = Math.max(0, Math.round(face.chip.centre.y) - half);
    const length = Math.min(2 * half, pixels.width - left, pixels.height - top);
    const data = await sharp(pixels.data, raw).extract({ left, top, width: length, height: length }).resize(side, side).raw().toBuffer();
    squares.push({ data, width: side, height: side });
  }
  return squares;
}

/** Read as a whole, a side-pixel square is the chip that samples each of its pixels once. */
const whole = (side: number) => ({ centre: { x: side / 2, y: side / 2 }, side, angle: 0 });
const tensorOf = (pixels: Pixels) => new ort.Tensor('uint8', pixels.data, [1, pixels.height, pixels.width, 3]);

async function expectSameNumbers(image: Uint8Array, faceCount: number): Promise<void> {
  const chips = await faceSquares(image, 150);
  expect(chips).toHaveLength(faceCount);
  for (const chip of chips) {
    const ours = await descriptors.describe(tensorOf(chip), whole(150));
    expect(euclidean(Array.from(ours!.descriptor), await reference.descriptor(chip))).toBeLessThan(1e-3);
  }
  for (const chip of await faceSquares(image, 112)) {
    const [ours, theirs] = [await landmarks.read(tensorOf(chip), whole(112)), await reference.landmarks(chip)];
    ours!.forEach((point, i) => expect(Math.hypot(point.x - theirs[i]!.x, point.y - theirs[i]!.y)).toBeLessThan(0.01));
  }
}

describe("face-api's networks on onnxruntime against face-api on TensorFlow.js, on the same chips", () => {
  it.each([
    ['one-face-soccer.jpg', 1],
    ['one-face-basketball-1.png', 1],
    ['one-face-basketball-2.png', 1],
  ] as const)('give the same landmarks and encodings in %s', async (name, faces) => {
    await expectSameNumbers(fixture(name), faces);
  });
});

describe.skipIf(!hasSeedImages)("face-api's networks on the seed photos' chips", () => {
  it.each([
    ['two-faces.jpg', 2],
    ['six-faces.jpg', 6],
  ] as const)('give the same landmarks and encodings in %s', async (name, faces) => {
    await expectSameNumbers(seedImage(name), faces);
  });
});
