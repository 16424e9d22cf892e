import sharp from 'sharp';
import type { Rect } from '../faceApiOnnx/faceGeometry.ts';
import { intersectionOverUnion, nonMaxSuppression } from './faceBoxes.ts';
import type { Pixels } from './Pixels.ts';
import type { YuNet, YuNetFace } from './YuNet.ts';

/** Fitted on the development sets (`npm run eval`; README, "How faces are found"). */
export const detectionScales = {
  /** The long side every photo is read at (smaller photos as they are); YuNet's scores fall for faces over ~450 px in its view. */
  workingSide: 640,
  /** Where two scales found one face: the overlap (IoU) above which the lower score goes (YuNet's own NMS value). */
  sameFace: 0.45,
} as const;

/** YuNet's faces in `pixels`, at the scales above, in `pixels`' coordinates. */
export async function detectFaces(yuNet: YuNet, pixels: Pixels, minScore: number): Promise<YuNetFace[]> {
  const longSide = Math.max(pixels.width, pixels.height);
  const working = await resized(pixels, Math.min(1, detectionScales.workingSide / longSide));
  const faces = rescaled(await yuNet.detect(working.pixels, minScore), working.scale);
  if (working.pixels === pixels) return faces;
  // A photo decoded larger is read again at its decoded size, for faces too small at the
  // working side: 2 more clear faces on dev-set-2 (3 missed, not 5), for about twice the
  // time a photo there (median 77 against 36 ms; photos up to 640 px do not take it).
  for (const tile of tiles(pixels.width, pixels.height)) {
    // Only the small faces this scale is for, whole: a larger one, or one at an edge the
    // tile shares with another, may be a part of a face, which the working side or the
    // next tile (they overlap by more than such a face) sees whole.
    const whole = (face: YuNetFace) => Math.max(face.box.width, face.box.height) <= TILE_OVERLAP && !atInnerEdge(face.box, tile, pixels);
    faces.push(...(await yuNet.detect(pixels, minScore, tile)).filter(whole));
  }
  return nonMaxSuppression(faces, detectionScales.sameFace);
}

/**
 * The second scale reads the photo in tiles of at most TILE_SIDE, so YuNet's working
 * memory stays that of the working side (a 1280 px pass grew each engine thread's
 * arena by ~50 MB), overlapping by more than the faces this scale is for (the working
 * side finds faces from ~20-32 px there, 40-64 px here). Sides are multiples of 32, as
 * YuNet pads to them anyway.
 */
const TILE_SIDE = 672;
const TILE_OVERLAP = 64;

/** Whether `box` reaches within 2 px of an edge of `tile` that is not an edge of the image. */
function atInnerEdge(box: Rect, tile: Rect, image: { width: number; height: number }): boolean {
  const margin = 2;
  return (
    (tile.x > 0 && box.x < tile.x + margin) ||
    (tile.y > 0 && box.y < tile.y + margin) ||
    (tile.x + tile.width < image.width && box.x + box.width > tile.x + tile.width - margin) ||
    (tile.y + tile.height < image.height && box.y + box.height > tile.y + tile.height - margin)
  );
}

export function tiles(width: number, height: number): Rect[] {
  const spans = (side: number) => {
    const count = Math.max(1, Math.ceil((side - TILE_OVERLAP) / (TILE_SIDE - TILE_OVERLAP)));
    const length = Math.min(side, Math.ceil((side + (count - 1) * TILE_OVERLAP) / count / 32) * 32);
    return Array.from({ length: count }, (_, i) => ({ start: count === 1 ? 0 : Math.round((i * (side - length)) / (count - 1)), length }));
  };
  return spans(height).flatMap((row) => spans(width).map((column) => ({ x: column.start, y: row.start, width: column.length, height: row.length })));
}

async function resized(pixels: Pixels, scale: number): Promise<{ pixels: Pixels; scale: { x: number; y: number } }> {
  if (scale >= 1) return { pixels, scale: { x: 1, y: 1 } };
  const width = Math.max(1, Math.round(pixels.width * scale));
  const height = Math.max(1, Math.round(pixels.height * scale));
  const data = await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { pixels: { data, width, height }, scale: { x: width / pixels.width, y: height / pixels.height } };
}

function rescaled(faces: readonly YuNetFace[], scale: { x: number; y: number }): YuNetFace[] {
  if (scale.x === 1 && scale.y === 1) return [...faces];
  return faces.map((face) => ({
    score: face.score,
    box: { x: face.box.x / scale.x, y: face.box.y / scale.y, width: face.box.width / scale.x, height: face.box.height / scale.y },
    points: face.points.map((point) => ({ x: point.x / scale.x, y: point.y / scale.y })),
  }));
}

/** The framing of a second look: the face's box enlarged this much around its centre, read at this side. */
const SECOND_LOOK = { context: 2, side: 160 } as const;

/**
 * YuNet's score for the face in `box` when it is read again framed as YuNet sees faces
 * best: centred, half the width of its view, 80 px. A detection whose score came from an
 * unfavourable scale (an animal's face filling the photo, say) rarely keeps it.
 */
export async function secondLook(yuNet: YuNet, pixels: Pixels, box: Rect): Promise<number> {
  const side = Math.round(SECOND_LOOK.context * Math.max(box.width, box.height));
  const left = Math.round(box.x + box.width / 2 - side / 2);
  const top = Math.round(box.y + box.height / 2 - side / 2);
  const inside = { left: Math.max(0, left), top: Math.max(0, top), right: Math.min(pixels.width, left + side), bottom: Math.min(pixels.height, top + side) };
  if (inside.right - inside.left < 1 || inside.bottom - inside.top < 1) return 0;
  const view = await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 3 } })
    .extract({ left: inside.left, top: inside.top, width: inside.right - inside.left, height: inside.bottom - inside.top })
    .extend({ left: inside.left - left, top: inside.top - top, right: left + side - inside.right, bottom: top + side - inside.bottom, background: '#000000' })
    .raw()
    .toBuffer();
  const data = await sharp(view, { raw: { width: side, height: side, channels: 3 } }).resize(SECOND_LOOK.side, SECOND_LOOK.side).raw().toBuffer();
  const scale = SECOND_LOOK.side / side;
  const expected = { x: (box.x - left) * scale, y: (box.y - top) * scale, width: box.width * scale, height: box.height * scale };
  const faces = await yuNet.detect({ data, width: SECOND_LOOK.side, height: SECOND_LOOK.side }, 0.05);
  return Math.max(0, ...faces.filter((face) => intersectionOverUnion(face.box, expected) > 0.3).map((face) => face.score));
}
