import { existsSync, readFileSync } from 'node:fs';
import sharp from 'sharp';

const fixtures = new URL('../test/fixtures/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, fixtures));
export const soccer = read('one-face-soccer.jpg');
const basketball = [read('one-face-basketball-1.png'), read('one-face-basketball-2.png')];

/** n distinct 512x512 one-face JPEGs: the same faces on differently coloured margins. */
export async function oneFaceJpegs(n: number): Promise<Buffer[]> {
  const sources = [soccer, ...basketball];
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      sharp(sources[i % sources.length])
        .resize(512, 512, { fit: 'contain', background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    ),
  );
}

/** Where the one face is in each source photo (its centre, in pixels). */
const faceCentres = [
  { x: 241, y: 107 },
  { x: 86, y: 114 },
  { x: 86, y: 115 },
];

/**
 * A photo with three faces side by side: each source photo cut 120 px around its face
 * and doubled. `variant` changes the order and the margin colour, so the bytes differ.
 */
export async function threeFaces(variant: number): Promise<Buffer> {
  const sources = [soccer, ...basketball];
  const tiles = await Promise.all(
    sources.map((_, i) => {
      const index = (i + variant) % sources.length;
      const centre = faceCentres[index]!;
      return sharp(sources[index])
        .extract({ left: centre.x - 60, top: centre.y - 60, width: 120, height: 120 })
        .resize(240, 240)
        .removeAlpha()
        .png()
        .toBuffer();
    }),
  );
  return sharp({ create: { width: 760, height: 280, channels: 3, background: { r: variant * 40, g: 90, b: 120 } } })
    .composite(tiles.map((input, i) => ({ input, left: 20 + i * 240, top: 20 })))
    .jpeg({ quality: 92 })
    .toBuffer();
}

/** A 6000x4000 photo with no face, like the seed's large fixture, for when that is absent. */
export function largePhoto(): Promise<Buffer> {
  return sharp(soccer).resize(6000, 4000, { fit: 'fill' }).blur(8).jpeg({ quality: 90 }).toBuffer();
}

const seedLarge = new URL('../../shared/fixtures/seed-images/large-6000x4000-no-face.jpg', import.meta.url);

/**
 * A 24-megapixel progressive JPEG with one face: the seed's 6000x4000 street scene (or
 * `largePhoto()` without it) with the soccer photo set into it 1800 px wide, its face
 * about 130 px tall.
 */
export async function largePhotoWithFace(): Promise<Buffer> {
  const background = existsSync(seedLarge) ? readFileSync(seedLarge) : await largePhoto();
  const face = await sharp(soccer).resize(1800).toBuffer();
  const composed = await sharp(background).composite([{ input: face, left: 2100, top: 1400 }]).toBuffer();
  return sharp(composed).jpeg({ quality: 90, progressive: true }).toBuffer();
}
