import { readFileSync } from 'node:fs';
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

/** A photo with three faces side by side; `variant` changes the order, so the bytes differ. */
export async function threeFaces(variant: number): Promise<Buffer> {
  const order = [soccer, ...basketball].map((_, i, all) => all[(i + variant) % all.length]!);
  const tiles = await Promise.all(order.map((image) => sharp(image).resize({ height: 400 }).removeAlpha().png().toBuffer()));
  const widths = await Promise.all(tiles.map(async (tile) => (await sharp(tile).metadata()).width));
  let left = 0;
  const composite = tiles.map((input, i) => {
    const placed = { input, left, top: 0 };
    left += widths[i]!;
    return placed;
  });
  return sharp({ create: { width: left, height: 400, channels: 3, background: { r: variant * 40, g: 90, b: 120 } } })
    .composite(composite)
    .jpeg({ quality: 92 })
    .toBuffer();
}

/** A 6000x4000 photo with no face, like the seed's large fixture, for when that is absent. */
export function largePhoto(): Promise<Buffer> {
  return sharp(soccer).resize(6000, 4000, { fit: 'fill' }).blur(8).jpeg({ quality: 90 }).toBuffer();
}
