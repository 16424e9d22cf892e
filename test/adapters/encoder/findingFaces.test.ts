import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalFaceEncoder } from '../../../src/adapters/encoder/LocalFaceEncoder.ts';
import type { Face } from '../../../src/domain/ImageEncodings.ts';
import { builtInEncoder } from '../../support/builtInEncoder.ts';
import { euclidean } from '../../support/engineComparison.ts';
import { fixture } from '../../support/fixtures.ts';

// The detection stage and the detail every face gets, on the committed photos (the
// thresholds were fitted on ../shared/fixtures/dev-set and dev-set-2, never on these).
let encoder: LocalFaceEncoder;
beforeAll(async () => {
  encoder = builtInEncoder();
  await encoder.ping();
});
afterAll(async () => {
  await encoder.close();
});

const soccer = fixture('one-face-soccer.jpg');

/** `image` cut to `side` pixels around a point, enlarged to 150 like the dev set's face crops. */
function cutAround(image: Buffer, centre: { x: number; y: number }, side: number): Promise<Buffer> {
  return sharp(image)
    .extract({ left: Math.round(centre.x - side / 2), top: Math.round(centre.y - side / 2), width: side, height: side })
    .resize(150, 150)
    .png()
    .toBuffer();
}

function onlyFace(faces: Face[]): Face {
  expect(faces).toHaveLength(1);
  return faces[0]!;
}

describe('finding faces', () => {
  it('finds a face that fills the whole photo, and one cut by the frame', async () => {
    const filling = onlyFace(await encoder.encode(await cutAround(soccer, { x: 241, y: 107 }, 56)));
    expect(filling.box!.width).toBeGreaterThan(75);
    // Forehead and chin outside.
    const cut = onlyFace(await encoder.encode(await cutAround(soccer, { x: 241, y: 107 }, 44)));
    expect(cut.box!.height).toBeGreaterThan(100);
  });

  it("finds no face in a baboon's face, whole or cut tight", async () => {
    const baboon = fixture('no-face-baboon.jpg');
    expect(await encoder.encode(baboon)).toEqual([]);
    expect(await encoder.encode(await cutAround(baboon, { x: 256, y: 230 }, 300))).toEqual([]);
  });

  it('finds six faces in six tiles, so a crowd is counted whole', async () => {
    const centres = [
      [soccer, { x: 241, y: 107 }],
      [fixture('one-face-basketball-1.png'), { x: 86, y: 114 }],
      [fixture('one-face-basketball-2.png'), { x: 86, y: 115 }],
    ] as const;
    const tiles = await Promise.all(
      [false, true].flatMap((mirrored) =>
        centres.map(async ([image, centre]) => {
          const tile = sharp(await cutAround(image, centre, 120)).resize(200, 200);
          return (mirrored ? tile.flop() : tile).png().toBuffer();
        }),
      ),
    );
    const group = await sharp({ create: { width: 660, height: 440, channels: 3, background: '#556677' } })
      .composite(tiles.map((input, i) => ({ input, left: 20 + (i % 3) * 210, top: 20 + Math.floor(i / 3) * 210 })))
      .jpeg({ quality: 92 })
      .toBuffer();
    expect(await encoder.encode(group)).toHaveLength(6);
  });
});

describe('at any angle', () => {
  /** The soccer face at twice its size (87 px), as a larger face in a photo would be. */
  const larger = () => sharp(soccer).resize(1096).png().toBuffer();
  const turned = async (degrees: number) => sharp(await larger()).rotate(degrees, { background: '#808080' }).png().toBuffer();
  /** How far apart two angles in degrees are, the short way round. */
  const degreesApart = (a: number, b: number) => Math.abs(((((a - b) % 360) + 540) % 360) - 180);

  it('reads a head tilted 30 or 45 degrees, and a photo stored sideways or upside down with no EXIF tag, as the same face, rated the same', async () => {
    const upright = onlyFace(await encoder.encode(await larger()));
    for (const degrees of [30, -45, 90, 180, 270]) {
      const face = onlyFace(await encoder.encode(await turned(degrees)));
      // Unaligned, the engine before read the head turned 30 degrees 0.57 away (median of held-out photos) and missed most sideways photos.
      expect(euclidean(face.encoding, upright.encoding)).toBeLessThan(0.25);
      // Roll stays relative to the photo; the quality verdict does not drop with the tilt.
      expect(degreesApart(face.pose!.roll, upright.pose!.roll + degrees)).toBeLessThan(12);
      expect(face.quality!.for_recognition).toBe(upright.quality!.for_recognition);
    }
  });

  it("gives a sideways or upside-down face's box and landmarks in the photo's own pixels", async () => {
    const upright = onlyFace(await encoder.encode(await larger()));
    const { width, height } = await sharp(await larger()).metadata();
    const centre = (box: { x: number; y: number; width: number; height: number }) => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 });
    const before = centre(upright.box!);
    // Where a point of the upright photo goes when the photo turns clockwise by a quarter, a half, three quarters.
    const moved: Record<number, (p: { x: number; y: number }) => { x: number; y: number }> = {
      90: (p) => ({ x: height! - p.y, y: p.x }),
      180: (p) => ({ x: width! - p.x, y: height! - p.y }),
      270: (p) => ({ x: p.y, y: width! - p.x }),
    };
    for (const [degrees, move] of Object.entries(moved)) {
      const face = onlyFace(await encoder.encode(await turned(Number(degrees))));
      const [expected, found] = [move(before), centre(face.box!)];
      expect(Math.hypot(found.x - expected.x, found.y - expected.y)).toBeLessThan(0.1 * upright.box!.width);
      const nose = move(upright.landmarks!.nose_tip);
      expect(Math.hypot(face.landmarks!.nose_tip.x - nose.x, face.landmarks!.nose_tip.y - nose.y)).toBeLessThan(0.1 * upright.box!.width);
    }
  });
});

describe("each face's detail", () => {
  it('gives a score, five landmarks where a face has them, a pose and a quality', async () => {
    const face = onlyFace(await encoder.encode(soccer));
    const { box, landmarks, pose, quality } = face;
    expect(face.score).toBeGreaterThan(0.5);
    expect(face.score).toBeLessThanOrEqual(1);
    for (const point of Object.values(landmarks!)) {
      expect(point.x).toBeGreaterThan(box!.x - 2);
      expect(point.x).toBeLessThan(box!.x + box!.width + 2);
      expect(point.y).toBeGreaterThan(box!.y - 2);
      expect(point.y).toBeLessThan(box!.y + box!.height + 2);
    }
    expect(landmarks!.left_eye.x).toBeLessThan(landmarks!.right_eye.x);
    expect(landmarks!.mouth_left.x).toBeLessThan(landmarks!.mouth_right.x);
    expect(landmarks!.nose_tip.y).toBeGreaterThan(landmarks!.left_eye.y);
    expect(landmarks!.mouth_left.y).toBeGreaterThan(landmarks!.nose_tip.y);
    expect(Object.keys(pose!).sort()).toEqual(['pitch', 'roll', 'yaw']);
    expect(quality).toMatchObject({
      sharpness: expect.any(Number),
      brightness: expect.any(Number),
      size: expect.any(Number),
      for_recognition: expect.stringMatching(/^(high|medium|low)$/),
    });
  });

  it('reads a photo turned clockwise as roll that grows, and a mirrored one as yaw that flips', async () => {
    const upright = onlyFace(await encoder.encode(soccer)).pose!;
    const turned = onlyFace(await encoder.encode(await sharp(soccer).rotate(20, { background: '#808080' }).jpeg().toBuffer())).pose!;
    const mirrored = onlyFace(await encoder.encode(await sharp(soccer).flop().jpeg().toBuffer())).pose!;
    expect(turned.roll - upright.roll).toBeGreaterThan(10);
    expect(turned.roll - upright.roll).toBeLessThan(30);
    expect(Math.sign(mirrored.yaw)).toBe(-Math.sign(upright.yaw));
    // face-api's landmark net is not exactly mirror-symmetric: on the development set's
    // photos and their mirror images yaw differed by 4.6 degrees (median), 9.2 (90th
    // percentile); this 38 px face by 11.5.
    expect(Math.abs(mirrored.yaw + upright.yaw)).toBeLessThan(15);
  });

  it('rates a blurred face less sharp and a darkened one darker, and says so in its verdict', async () => {
    const face = await sharp(soccer).resize(1096).png().toBuffer();
    const crisp = onlyFace(await encoder.encode(face)).quality!;
    const blurred = onlyFace(await encoder.encode(await sharp(face).blur(2.5).png().toBuffer())).quality!;
    const dark = onlyFace(await encoder.encode(await sharp(face).linear(0.2, 0).png().toBuffer())).quality!;
    expect(blurred.sharpness).toBeLessThan(crisp.sharpness * 0.7);
    expect(dark.brightness).toBeLessThan(crisp.brightness * 0.5);
    expect(dark.for_recognition).toBe('low');
  });
});
