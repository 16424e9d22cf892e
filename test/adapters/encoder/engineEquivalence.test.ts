import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescriptorNet } from '../../../src/adapters/encoder/engine/DescriptorNet.ts';
import { LandmarkNet } from '../../../src/adapters/encoder/engine/LandmarkNet.ts';
import type { Point } from '../../../src/domain/ImageEncodings.ts';
import { loadConfig } from '../../../src/app/config.ts';
import { euclidean } from '../../support/engineComparison.ts';

// The landmark and descriptor networks are face-api's, converted to ONNX by our own code
// (faceApiGraphs.ts) and fed through our chip input stage: given the same face chip, at
// the side each network reads, they must give what face-api on TensorFlow.js gave. Its
// answers were recorded once, with the chips, by tools/face-api-reference/record.ts.
const folder = new URL('../../fixtures/face-api-reference/', import.meta.url);
const reference = JSON.parse(readFileSync(new URL('reference.json', folder), 'utf8')) as Record<string, { landmarks?: Point[]; descriptor?: number[] }>;
const config = loadConfig({});
let landmarks: LandmarkNet;
let descriptors: DescriptorNet;

beforeAll(async () => {
  const options = { intraOpNumThreads: 1 };
  [landmarks, descriptors] = await Promise.all([LandmarkNet.load(options), DescriptorNet.load(options)]);
});

afterAll(async () => {
  await Promise.all([landmarks.release(), descriptors.release()]);
});

/** A recorded chip as the networks' input, read whole: a side-pixel square is the chip that samples each of its pixels once. */
async function chip(name: string) {
  const { data, info } = await sharp(new URL(name, folder).pathname).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const side = info.width;
  return { tensor: new ort.Tensor('uint8', data, [1, side, side, 3]), whole: { centre: { x: side / 2, y: side / 2 }, side, angle: 0 } };
}

describe("face-api's networks on onnxruntime against face-api on TensorFlow.js, on the same chips", () => {
  const names = Object.keys(reference);

  it('have chips of three photos to compare, for both networks', () => {
    expect(names.filter((name) => name.endsWith('-112.png'))).toHaveLength(3);
    expect(names.filter((name) => name.endsWith('-150.png'))).toHaveLength(3);
  });

  it.each(names.filter((name) => name.endsWith('-150.png')))('give the same encoding for %s (within 1e-3)', async (name) => {
    const { tensor, whole } = await chip(name);
    const ours = await descriptors.describe(tensor, whole);
    expect(euclidean(Array.from(ours!.descriptor), reference[name]!.descriptor!)).toBeLessThan(1e-3);
  });

  it.each(names.filter((name) => name.endsWith('-112.png')))('give the same 68 landmarks for %s (within 0.01 px)', async (name) => {
    const { tensor, whole } = await chip(name);
    const [ours, theirs] = [await landmarks.read(tensor, whole), reference[name]!.landmarks!];
    expect(ours).toHaveLength(68);
    ours!.forEach((point, i) => expect(Math.hypot(point.x - theirs[i]!.x, point.y - theirs[i]!.y)).toBeLessThan(0.01));
  });
});
