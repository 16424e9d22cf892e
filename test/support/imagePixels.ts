import sharp from 'sharp';

/** Decoded RGB pixels, 3 bytes a pixel, row by row. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export async function decodeRgb(image: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(image).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/**
 * A box of `image` (it may reach past the edges: zeros there) resized by sharp to
 * `side` x `side`. Which resampling does not matter: tests feed the same pixels to both
 * engines they compare.
 */
export async function cropRgb(
  image: RgbImage,
  box: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number },
  side: number,
): Promise<Uint8Array> {
  const raw = (pixels: Uint8Array, width: number, height: number) => sharp(pixels, { raw: { width, height, channels: 3 } });
  const inside = {
    left: Math.max(box.left, 0),
    top: Math.max(box.top, 0),
    right: Math.min(box.right, image.width),
    bottom: Math.min(box.bottom, image.height),
  };
  // Two pipelines: sharp would extend after resizing in one.
  const padded = await raw(image.data, image.width, image.height)
    .extract({ left: inside.left, top: inside.top, width: inside.right - inside.left, height: inside.bottom - inside.top })
    .extend({ left: inside.left - box.left, top: inside.top - box.top, right: box.right - inside.right, bottom: box.bottom - inside.bottom, background: '#000000' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const resized = await raw(new Uint8Array(padded.data), padded.info.width, padded.info.height).resize(side, side, { fit: 'fill' }).raw().toBuffer();
  return new Uint8Array(resized);
}
