import { mkdirSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGrid, YuNet, type YuNetFace } from '../../../src/adapters/encoder/engine/YuNet.ts';
import { fixture } from '../../support/fixtures.ts';

// The YuNet reference's overlap. Not imported from the pipeline: loading it blocks libvips' SVG
// loader for the whole process, and the drawings below are SVG.
const REFERENCE_NMS_OVERLAP = 0.45;
let yuNet: YuNet;
beforeAll(async () => {
  yuNet = await YuNet.load({ intraOpNumThreads: 1 }, REFERENCE_NMS_OVERLAP);
});
afterAll(async () => {
  await yuNet.release();
});

const artifacts = new URL('../../artifacts/', import.meta.url);

/** The photo with each face's box and five points drawn on it, in test/artifacts/, to look at. */
async function drawn(name: string, image: { data: Uint8Array; width: number; height: number }, faces: readonly YuNetFace[]): Promise<void> {
  const colours = ['red', 'blue', 'lime', 'magenta', 'cyan'];
  const marks = faces.map(
    ({ box, points }) =>
      `<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" fill="none" stroke="yellow"/>` +
      points.map((point, i) => `<circle cx="${point.x}" cy="${point.y}" r="1.5" fill="${colours[i]}"/>`).join(''),
  );
  const svg = `<svg width="${image.width}" height="${image.height}" xmlns="http://www.w3.org/2000/svg">${marks.join('')}</svg>`;
  mkdirSync(artifacts, { recursive: true });
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toFile(new URL(`yunet-${name}.png`, artifacts).pathname);
}

async function pixels(name: string) {
  const { data, info } = await sharp(fixture(name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

function expectNear(actual: { x: number; y: number }, expected: readonly [number, number]): void {
  expect(Math.abs(actual.x - expected[0])).toBeLessThan(1.5);
  expect(Math.abs(actual.y - expected[1])).toBeLessThan(1.5);
}

describe('YuNet', () => {
  // Boxes and points checked by eye on the drawings in test/artifacts/yunet-*.png.
  it.each([
    ['one-face-soccer.jpg', [226.7, 93.6, 29.4, 38.5], [[240.1, 107.3], [252.2, 107.3], [249.5, 114.7], [241.6, 121.3], [251, 121.4]]],
    ['one-face-basketball-1.png', [72, 92.4, 33.6, 43.4], [[86.9, 108.6], [102.2, 108.7], [97.5, 117.4], [87.9, 124.9], [100.3, 125]]],
  ] as const)('finds the one face in %s: its box, then eyes, nose tip and mouth corners left to right', async (name, box, points) => {
    const image = await pixels(name);
    const faces = await yuNet.detect(image, 0.5);
    await drawn(name.replace(/\.\w+$/, ''), image, faces);
    expect(faces).toHaveLength(1);
    const [face] = faces as [YuNetFace];
    expect(face.score).toBeGreaterThan(0.8);
    expectNear(face.box, [box[0], box[1]]);
    expectNear({ x: face.box.width, y: face.box.height }, [box[2], box[3]]);
    face.points.forEach((point, i) => expectNear(point, points[i]!));
  });

  it('reads a view four ways in one run, and is surest of the way that turns the face upright', async () => {
    // The soccer face cut to a 96 px view (face about half of it), then turned a quarter clockwise.
    const view = await sharp(fixture('one-face-soccer.jpg')).extract({ left: 217, top: 83, width: 48, height: 48 }).resize(96, 96).rotate(90).removeAlpha().raw().toBuffer();
    const looks = await yuNet.detectQuarterTurns({ data: new Uint8Array(view), width: 96, height: 96 }, 0.05);
    const best = looks.map((faces) => Math.max(0, ...faces.map((face) => face.score)));
    // Three more quarters clockwise bring it upright.
    expect(best.indexOf(Math.max(...best))).toBe(3);
    expect(best[3]).toBeGreaterThan(0.7);
  });

  it('finds nothing in a baboon', async () => {
    expect(await yuNet.detect(await pixels('no-face-baboon.jpg'), 0.45)).toEqual([]);
  });

  it('decodes a cell: offsets and log-sizes in strides, from the cell\'s corner, score cls x obj', () => {
    // A 2x3 grid of stride 16; only the cell at column 1, row 1 (index 4) scores.
    const cls = Float32Array.from([0, 0, 0, 0, 0.9, 0]);
    const obj = Float32Array.from([0, 0, 0, 0, 0.5, 0]);
    const bbox = new Float32Array(24);
    bbox.set([0.5, 0.25, Math.log(2), Math.log(3)], 16);
    const kps = new Float32Array(60);
    kps.set([0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1], 40);
    const [face, ...rest] = decodeGrid({ cls, obj, bbox, kps }, 16, 3, 0.4);
    expect(rest).toEqual([]);
    expect(face!.score).toBeCloseTo(0.45);
    // Centre (16 + 8, 16 + 4), size 32 x 48.
    for (const [side, value] of Object.entries({ x: 8, y: -4, width: 32, height: 48 })) expect(face!.box[side as 'x']).toBeCloseTo(value, 4);
    expect(face!.points).toEqual([{ x: 16, y: 16 }, { x: 32, y: 16 }, { x: 24, y: 24 }, { x: 16, y: 32 }, { x: 32, y: 32 }]);
    expect(decodeGrid({ cls, obj, bbox, kps }, 16, 3, 0.5)).toEqual([]);
  });
});
