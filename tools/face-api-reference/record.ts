// Records what face-api on TensorFlow.js answers for a few face chips of the committed test
// photos, so the equivalence test holds the converted networks to it without TensorFlow.js
// installed. Run again only if the chips or face-api's weights change:
//   npm install --no-save @tensorflow/tfjs@4 @tensorflow/tfjs-backend-wasm@4
//   node tools/face-api-reference/record.ts
// It writes test/fixtures/face-api-reference/: each chip as a PNG (112 px for the landmark
// net, 150 px for the descriptor net) and reference.json with face-api's outputs.
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { decode } from '../../src/adapters/encoder/engine/decode.ts';
import { FaceEngine, thresholds } from '../../src/adapters/encoder/engine/FaceEngine.ts';
import type { Pixels } from '../../src/adapters/encoder/engine/Pixels.ts';
import { loadConfig } from '../../src/app/config.ts';
import { loadReferenceNetworks } from './faceApiOnTfjs.ts';

const config = loadConfig({});
const folder = new URL('../../test/fixtures/face-api-reference/', import.meta.url);
const photos = ['one-face-soccer.jpg', 'one-face-basketball-1.png', 'one-face-basketball-2.png'];

const reference = await loadReferenceNetworks();
const engine = await FaceEngine.load({ intraOpThreads: 1, maxInputPixels: config.MAX_INPUT_PIXELS });
const recorded: Record<string, { landmarks?: { x: number; y: number }[]; descriptor?: number[] }> = {};
for (const photo of photos) {
  const pixels = await decode(await sharp(new URL(`../../test/fixtures/${photo}`, import.meta.url).pathname).toBuffer(), config.MAX_INPUT_PIXELS, thresholds.decode.longSide);
  const faces = await engine.findFaces(pixels);
  for (const [n, face] of faces.entries()) {
    for (const side of [112, 150]) {
      const chip = await square(pixels, face.chip.centre, face.chip.side, side);
      const name = `${photo.replace(/\.\w+$/, '')}-${n}-${side}.png`;
      await sharp(chip.data, { raw: { width: side, height: side, channels: 3 } }).png().toFile(new URL(name, folder).pathname);
      recorded[name] = side === 112 ? { landmarks: await reference.landmarks(chip) } : { descriptor: await reference.descriptor(chip) };
    }
  }
}
writeFileSync(new URL('reference.json', folder), `${JSON.stringify(recorded, null, 1)}\n`);
await engine.close();
console.log(`recorded ${Object.keys(recorded).length} chips`);

/** The square around a face's chip, cut from the photo and resized by libvips to `side`. */
async function square(pixels: Pixels, centre: { x: number; y: number }, chipSide: number, side: number): Promise<Pixels> {
  const half = Math.floor(chipSide / 2);
  const left = Math.max(0, Math.round(centre.x) - half);
  const top = Math.max(0, Math.round(centre.y) - half);
  const length = Math.min(2 * half, pixels.width - left, pixels.height - top);
  const data = await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 3 } })
    .extract({ left, top, width: length, height: length })
    .resize(side, side)
    .raw()
    .toBuffer();
  return { data, width: side, height: side };
}
