import sharp from 'sharp';
import type { Pixels } from '../../src/adapters/encoder/faceApiOnnx/FaceApiOnnxEngine.ts';

/** What faceModel.ts hands the networks: 8-bit sRGB, upright, no alpha, at most 1280 a side. */
export async function decodedPixels(image: Uint8Array): Promise<Pixels> {
  const { data, info } = await sharp(image)
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .resize({ width: 1280, height: 1280, fit: 'inside', withoutEnlargement: true })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
