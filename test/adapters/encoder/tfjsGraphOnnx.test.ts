import * as ort from 'onnxruntime-node';
import type { GraphModel } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { faceMeshModelFile, faceMeshNetwork } from '../../../src/adapters/encoder/tfjsGraphOnnx/faceMeshNetwork.ts';
import { meshCropBox, regionFeeds, type PixelBox, type RegionFeeds } from '../../../src/adapters/encoder/tfjsGraphOnnx/meshCrop.ts';
import { fixture } from '../../support/fixtures.ts';
import { cropRgb, decodeRgb, type RgbImage } from '../../support/imagePixels.ts';
import { loadTfjsGraphModel, runHumanFaceMesh, runTfjsGraphModel } from '../../support/tfjsGraphReference.ts';

// FaceMesh converted to ONNX must compute what the original tfjs graph model computes. Both get the same pixels: the ONNX graph an image already side x side
// (its crop stage is then the identity), tfjs the same pixels normalised as human does.

async function onnxSession(): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(faceMeshNetwork().build(), { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

const int64s = (values: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [values.length]);

function feeds(image: RgbImage, region: RegionFeeds): Record<string, ort.Tensor> {
  return {
    image: new ort.Tensor('uint8', image.data, [1, image.height, image.width, 3]),
    start: int64s(region.start),
    end: int64s(region.end),
    pads: int64s(region.pads),
  };
}

/** Feeds that hand the network `pixels` unchanged: a side x side image, cut whole. */
function wholeImage(pixels: Uint8Array, side: number): Record<string, ort.Tensor> {
  return feeds({ data: pixels, width: side, height: side }, { start: [0, 0], end: [side, side], pads: [0, 0, 0, 0, 0, 0, 0, 0] });
}

function floats(results: ort.InferenceSession.ReturnType, name: string): Float32Array {
  return results[name]!.data as Float32Array;
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((max, value, index) => Math.max(max, Math.abs(value - b[index]!)), 0);
}

const box = (left: number, top: number, width: number, height: number): PixelBox => ({ left, top, right: left + width, bottom: top + height });

/** The fixtures' faces as the service's detector (face-api's SSD) boxes them. */
const faces = {
  'one-face-soccer.jpg': box(225, 83, 33, 48),
  'one-face-basketball-1.png': box(69, 90, 34, 49),
  'one-face-basketball-2.png': box(70, 92, 33, 47),
} as const;

/** Regions that hold no human face, cut as given (not enlarged). */
const nonFaces: readonly (readonly [string, string, PixelBox])[] = [
  ["the baboon's face, enlarged as human would, past the image's edges", 'no-face-baboon.jpg', meshCropBox({ left: 110, top: 30, right: 400, bottom: 470 })],
  ["the baboon's fur", 'no-face-baboon.jpg', box(0, 300, 150, 150)],
  ['grass', 'one-face-soccer.jpg', box(20, 200, 130, 130)],
  ["a player's body", 'one-face-soccer.jpg', meshCropBox(box(225, 150, 40, 48))],
  ['a gym wall', 'one-face-basketball-1.png', box(400, 200, 200, 200)],
];

describe('FaceMesh on ONNX against the tfjs graph model', () => {
  let session: ort.InferenceSession;
  let reference: GraphModel;
  const crops = new Map<string, Uint8Array>();

  beforeAll(async () => {
    [session, reference] = await Promise.all([onnxSession(), loadTfjsGraphModel(faceMeshModelFile())]);
    for (const [name, face] of Object.entries(faces)) crops.set(name, await cropRgb(await decodeRgb(fixture(name)), meshCropBox(face), 192));
    for (const [label, name, region] of nonFaces) crops.set(label, await cropRgb(await decodeRgb(fixture(name)), region, 192));
  });

  async function bothEngines(pixels: Uint8Array) {
    const onnx = await session.run(wholeImage(pixels, 192));
    const [flag, mesh] = await runTfjsGraphModel(reference, { data: Float32Array.from(pixels, (value) => value / 255), shape: [1, 192, 192, 3] }, [
      'Identity_1',
      'Identity_2',
    ]);
    return { onnx: { flag: floats(onnx, 'faceflag'), mesh: floats(onnx, 'mesh') }, tfjs: { flag: flag!, mesh: mesh! } };
  }

  it.each([...Object.keys(faces), ...nonFaces.map(([label]) => label)])('gives the same faceflag and mesh as tfjs on %s', async (label) => {
    const { onnx, tfjs } = await bothEngines(crops.get(label)!);
    expect(onnx.mesh).toHaveLength(1404);
    // Measured: faceflag within 4e-8, mesh within 1.6e-4 crop pixels.
    expect(maxAbsDifference(onnx.flag, tfjs.flag)).toBeLessThan(1e-3);
    expect(maxAbsDifference(onnx.mesh, tfjs.mesh)).toBeLessThan(1e-3);
  });

  it('flags faces near 1 and other regions near 0', async () => {
    for (const name of Object.keys(faces)) expect((await bothEngines(crops.get(name)!)).onnx.flag[0]).toBeGreaterThan(0.99);
    for (const [label] of nonFaces) expect((await bothEngines(crops.get(label)!)).onnx.flag[0], label).toBeLessThan(0.1);
  });

  it("is fooled by a baboon's eye cut as a face: the flag alone is no proof of a human face", async () => {
    // The box human's BlazeFace proposed around the eye (score 0.48), enlarged as human does.
    const eye = await cropRgb(await decodeRgb(fixture('no-face-baboon.jpg')), { left: 279, top: 25, right: 370, bottom: 116 }, 192);
    expect((await bothEngines(eye)).onnx.flag[0]).toBeGreaterThan(0.9);
  });

  it('cuts boxes out of the whole photo, padding past its edges, as human cuts them', async () => {
    const cases: [string, PixelBox][] = [
      ...Object.entries(faces).map(([name, face]): [string, PixelBox] => [name, meshCropBox(face)]),
      ['no-face-baboon.jpg', nonFaces[0]![2]],
    ];
    for (const [name, region] of cases) {
      const image = await decodeRgb(fixture(name));
      const onnx = await session.run(feeds(image, regionFeeds(region, image.width, image.height)!));
      const [flag, mesh] = await runHumanFaceMesh(reference, image, region);
      // human samples up to a pixel of the photo nearer its origin (see regionFeeds): a
      // few crop pixels on these small faces. A wrong start, end or pad would be tens.
      expect(Math.abs(floats(onnx, 'faceflag')[0]! - flag), name).toBeLessThan(0.01);
      expect(maxAbsDifference(floats(onnx, 'mesh'), mesh), name).toBeLessThan(5);
    }
  });
});
