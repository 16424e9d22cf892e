import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalFaceEncoder } from '../../../src/adapters/encoder/LocalFaceEncoder.ts';
import type { Face } from '../../../src/domain/ImageEncodings.ts';
import { builtInEncoder } from '../../support/builtInEncoder.ts';
import { fixture, hasSeedImages, seedImage } from '../../support/fixtures.ts';

/** The distance below which face-api's descriptors are taken to be the same person. */
const SAME_PERSON = 0.6;

function distance(a: Face, b: Face): number {
  return Math.hypot(...a.encoding.map((value, index) => value - (b.encoding[index] ?? Number.NaN)));
}

function onlyFace(faces: Face[]): Face {
  expect(faces).toHaveLength(1);
  return faces[0] as Face;
}

let encoder: LocalFaceEncoder;

beforeAll(async () => {
  encoder = builtInEncoder();
  await encoder.ping();
});

afterAll(async () => {
  await encoder.close();
});

describe('LocalFaceEncoder with the committed photos', () => {
  it('finds the one face of the soccer player, with 128 finite numbers and a box inside the image', async () => {
    const face = onlyFace(await encoder.encode(fixture('one-face-soccer.jpg')));
    expect(face.encoding).toHaveLength(128);
    expect(face.encoding.every(Number.isFinite)).toBe(true);
    const box = face.box!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(548);
    expect(box.y + box.height).toBeLessThanOrEqual(342);
    expect(box.width).toBeGreaterThan(10);
  });

  it('gives one person in two photos encodings closer than 0.6, and another person one farther', async () => {
    const [first, second, other] = await Promise.all([
      encoder.encode(fixture('one-face-basketball-1.png')),
      encoder.encode(fixture('one-face-basketball-2.png')),
      encoder.encode(fixture('one-face-soccer.jpg')),
    ]);
    expect(distance(onlyFace(first), onlyFace(second))).toBeLessThan(SAME_PERSON);
    expect(distance(onlyFace(first), onlyFace(other))).toBeGreaterThan(SAME_PERSON);
  });

  it('finds no face in an animal face', async () => {
    await expect(encoder.encode(fixture('no-face-baboon.jpg'))).resolves.toEqual([]);
  });

  it('gives the same encoding for the same bytes', async () => {
    const bytes = fixture('one-face-basketball-1.png');
    expect(await encoder.encode(bytes)).toEqual(await encoder.encode(bytes));
  });

  it('refuses bytes that are not an image as invalid_image', async () => {
    await expect(encoder.encode(Buffer.from('this is a text file, not a photo\n'))).rejects.toMatchObject({
      code: 'invalid_image',
    });
  });

  it('reads a photo stored sideways the way its EXIF orientation shows it', async () => {
    const upright = fixture('one-face-soccer.jpg');
    // PNG keeps the pixels exact, so the only difference is the orientation tag.
    const sideways = await sharp(upright).rotate(-90).withMetadata({ orientation: 6 }).png().toBuffer();
    expect(await encoder.encode(sideways)).toEqual(await encoder.encode(upright));
  });

  it('gives boxes in the original pixels when the photo is downscaled for detection', async () => {
    const small = fixture('one-face-soccer.jpg');
    const large = await sharp(small).resize(548 * 3, 342 * 3).jpeg({ quality: 95 }).toBuffer();
    const smallBox = onlyFace(await encoder.encode(small)).box!;
    const largeBox = onlyFace(await encoder.encode(large)).box!;
    for (const side of ['x', 'y', 'width', 'height'] as const) {
      expect(Math.abs(largeBox[side] / 3 - smallBox[side])).toBeLessThan(4);
    }
  });

  it('flattens transparency instead of refusing a grey photo with an alpha channel', async () => {
    const withAlpha = await sharp(fixture('one-face-basketball-1.png')).ensureAlpha(0.8).png().toBuffer();
    expect(await encoder.encode(withAlpha)).toHaveLength(1);
  });
});

describe.skipIf(!hasSeedImages)('LocalFaceEncoder with the seed photos', () => {
  it.each([
    ['two-faces.jpg', 2],
    ['six-faces.jpg', 6],
    ['no-face-landscape.jpg', 0],
    ['large-6000x4000-no-face.jpg', 0],
  ] as const)('finds every face in %s (%i)', async (name, count) => {
    await expect(encoder.encode(seedImage(name))).resolves.toHaveLength(count);
  });
});

describe('LocalFaceEncoder told what the inspector read', () => {
  it('places boxes by the header it is given instead of reading it again', async () => {
    const bytes = fixture('one-face-soccer.jpg');
    const { width, height } = await sharp(bytes).metadata();
    const read = onlyFace(await encoder.encode(bytes));
    // A header twice the size: the decoded pixels are the same, so every box doubles.
    const told = onlyFace(await encoder.encode(bytes, { inspected: { format: 'jpeg', width: 2 * width, height: 2 * height } }));
    expect(told.encoding).toEqual(read.encoding);
    for (const side of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(told.box![side] - 2 * read.box![side])).toBeLessThanOrEqual(1);
  });
});

describe('LocalFaceEncoder once closed', () => {
  it('refuses pings and work as encoder_unavailable', async () => {
    const closed = builtInEncoder({ threads: 1 });
    await closed.close();
    await expect(closed.ping()).rejects.toMatchObject({ code: 'encoder_unavailable' });
    await expect(closed.encode(fixture('one-face-soccer.jpg'))).rejects.toMatchObject({ code: 'encoder_unavailable' });
  });
});

describe('LocalFaceEncoder accuracy', () => {
  it('keeps a resized copy of a photo within 0.45 of the original', async () => {
    const original = fixture('one-face-basketball-1.png');
    const { width } = await sharp(original).metadata();
    const smaller = await sharp(original).resize({ width: Math.round(width * 0.7) }).png().toBuffer();
    const [a, b] = await Promise.all([encoder.encode(original), encoder.encode(smaller)]);
    expect(distance(onlyFace(a), onlyFace(b))).toBeLessThan(0.45);
  });
});

describe('closing LocalFaceEncoder', () => {
  it('waits for a thread loading its networks and for images being encoded, instead of aborting the process', async () => {
    const script = fileURLToPath(new URL('../../support/closeEncoderEarly.ts', import.meta.url));
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
    expect({ signal: run.signal, status: run.status }).toEqual({ signal: null, status: 0 });
    expect(run.stderr).not.toMatch(/terminate called|Napi::Error/);
    // Both encodes in flight at the close finish, with the soccer player's one face.
    expect(JSON.parse(run.stdout)).toEqual([1, 1]);
  });
});
