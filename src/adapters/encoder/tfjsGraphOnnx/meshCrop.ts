/** A box in image pixels: left and top inclusive, right and bottom exclusive. */
export interface PixelBox {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/**
 * The square FaceMesh sees around a detected face, as human makes it
 * (facemeshutil.ts: enlargeBox by `scale`, then squarifyBox): same centre, the larger
 * side times `scale`, corners rounded to whole pixels. It may reach past the image.
 */
export function meshCropBox(face: PixelBox, scale = 1.4): PixelBox {
  const centreX = face.left + (face.right - face.left) / 2;
  const centreY = face.top + (face.bottom - face.top) / 2;
  const enlarged = {
    left: centreX - (scale * Math.abs(face.right - face.left)) / 2,
    top: centreY - (scale * Math.abs(face.bottom - face.top)) / 2,
    right: centreX + (scale * Math.abs(face.right - face.left)) / 2,
    bottom: centreY + (scale * Math.abs(face.bottom - face.top)) / 2,
  };
  const squareX = enlarged.left + (enlarged.right - enlarged.left) / 2;
  const squareY = enlarged.top + (enlarged.bottom - enlarged.top) / 2;
  const half = Math.max(Math.abs(enlarged.right - enlarged.left), Math.abs(enlarged.bottom - enlarged.top)) / 2;
  return {
    left: Math.round(squareX - half),
    top: Math.round(squareY - half),
    right: Math.round(squareX + half),
    bottom: Math.round(squareY + half),
  };
}

/** What `regionInput` is fed: `start`/`end` as [row, column], `pads` for NHWC. */
export interface RegionFeeds {
  readonly start: readonly [number, number];
  readonly end: readonly [number, number];
  readonly pads: readonly [number, number, number, number, number, number, number, number];
}

/**
 * The feeds that make FaceMesh's input stage cut `box` (whole pixels) out of an image
 * of `width` x `height`: the part inside the image is sliced, and what lies outside is
 * zeros (pads), as tf.image.cropAndResize's extrapolation value 0. Undefined when the
 * box misses the image entirely: there is nothing to look at.
 *
 * With 'align_corners' the 192 samples run from the box's first pixel row and column
 * to its last, evenly. human's cropAndResize on the normalised box
 * (top / height, ..., bottom / height) samples from top * (height - 1) / height to
 * bottom * (height - 1) / height: the same but for a shift under one pixel, and at
 * the image border, where it takes zeros for samples outside while here the edge
 * pixel blends with the zero padding next to it.
 */
export function regionFeeds(box: PixelBox, width: number, height: number): RegionFeeds | undefined {
  if (![box.left, box.top, box.right, box.bottom].every(Number.isInteger)) throw new Error('a crop box must be in whole pixels');
  const clamp = (value: number, max: number) => Math.min(Math.max(value, 0), max);
  const top = clamp(box.top, height);
  const left = clamp(box.left, width);
  const bottom = clamp(box.bottom, height);
  const right = clamp(box.right, width);
  if (bottom <= top || right <= left) return undefined;
  return {
    start: [top, left],
    end: [bottom, right],
    pads: [0, top - box.top, left - box.left, 0, 0, box.bottom - bottom, box.right - right, 0],
  };
}

/**
 * A point the network gave in its `side` x `side` input back in image pixels: sample i
 * of the crop was taken at the box's first pixel plus i * (box side - 1) / (side - 1).
 * (human maps with box side / side around the centre instead: under a pixel apart.)
 */
export function cropToImage(point: readonly [number, number], box: PixelBox, side: number): [number, number] {
  return [
    box.left + (point[0] * (box.right - box.left - 1)) / (side - 1),
    box.top + (point[1] * (box.bottom - box.top - 1)) / (side - 1),
  ];
}
