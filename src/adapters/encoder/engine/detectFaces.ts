import type * as ort from 'onnxruntime-node';
import { sharp } from '../../imageFormats.ts';
import { chipToPhoto } from './Chip.ts';
import type { ViewCutter } from './ViewCutter.ts';
import { holdsCentre, nonMaxSuppression } from './faceBoxes.ts';
import type { Point, Rect } from './geometry.ts';
import type { Pixels } from './Pixels.ts';
import type { YuNet, YuNetFace } from './YuNet.ts';

/** Fitted on the development sets (`npm run eval`; docs/face-engine.md). */
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

/**
 * YuNet's faces in `pixels` turned clockwise by `degrees` (a sideways or upside-down
 * photo with no EXIF tag to say so), at the working side, in `pixels`' own coordinates.
 * Each box keeps the size YuNet gave it, centred where the face is in the photo.
 */
export async function detectTurned(yuNet: YuNet, pixels: Pixels, degrees: number, minScore: number): Promise<YuNetFace[]> {
  const working = await resized(pixels, Math.min(1, detectionScales.workingSide / Math.max(pixels.width, pixels.height)));
  const { data, info } = await sharp(working.pixels.data, { raw: { width: working.pixels.width, height: working.pixels.height, channels: 3 } })
    .rotate(degrees, { background: '#000000' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const turned = { data, width: info.width, height: info.height };
  // Back about the centres (pixel k's centre at k), then to `pixels`' scale.
  const radians = (-degrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(radians), Math.sin(radians)];
  const back = (point: Point): Point => {
    const [dx, dy] = [point.x - (turned.width - 1) / 2, point.y - (turned.height - 1) / 2];
    return {
      x: (dx * cos - dy * sin + (working.pixels.width - 1) / 2) / working.scale.x,
      y: (dx * sin + dy * cos + (working.pixels.height - 1) / 2) / working.scale.y,
    };
  };
  const sideways = Math.abs(Math.round(degrees / 90)) % 2 === 1;
  return (await yuNet.detect(turned, minScore)).map(({ score, box, points }) => {
    const centre = back({ x: box.x + box.width / 2, y: box.y + box.height / 2 });
    const [width, height] = sideways ? [box.height / working.scale.x, box.width / working.scale.y] : [box.width / working.scale.x, box.height / working.scale.y];
    return { score, box: { x: centre.x - width / 2, y: centre.y - height / 2, width, height }, points: points.map(back) };
  });
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

/** The framing of a second look: the face's box enlarged this much around its centre. */
const SECOND_LOOK_CONTEXT = 2;

/** What YuNet saw of a face when it looked again: its score, and the face itself in the photo's coordinates. */
export interface Look {
  readonly score: number;
  readonly face: YuNetFace | undefined;
}

/**
 * YuNet's looks at a face read again framed as YuNet sees faces best: centred, half the
 * width of its view, turned by `roll` (radians) and then a quarter, a half and three
 * quarters further clockwise, all in one run. A detection whose score came from an
 * unfavourable scale or angle (an animal's face filling the photo, a head tilted 45
 * degrees) is read again as a face would be, and a face the wrong way up scores best
 * the right way up, where YuNet also frames it upright.
 */
export async function secondLooks(yuNet: YuNet, cutter: ViewCutter, image: ort.Tensor, box: Rect, roll: number): Promise<Look[]> {
  const chip = { centre: { x: box.x + box.width / 2, y: box.y + box.height / 2 }, side: SECOND_LOOK_CONTEXT * Math.max(box.width, box.height), angle: roll };
  const view = await cutter.cut(image, chip);
  if (!view) return [0, 1, 2, 3].map(() => ({ score: 0, face: undefined }));
  const side = view.width;
  const middle = { x: side / 2, y: side / 2, width: 0, height: 0 };
  const found = await yuNet.detectQuarterTurns(view, 0.05);
  return found.map((faces, quarters) => {
    const face = faces.filter((candidate) => holdsCentre(candidate.box, middle)).sort((a, b) => b.score - a.score)[0];
    if (!face) return { score: 0, face: undefined };
    // Back from the view, turned `quarters` clockwise, to the chip's pixels, then to the photo.
    const toPhoto = (point: Point) => {
      let [x, y] = [point.x, point.y];
      for (let turn = 0; turn < quarters; turn++) [x, y] = [y, side - 1 - x];
      return chipToPhoto(chip, x / side, y / side);
    };
    const centre = toPhoto({ x: face.box.x + face.box.width / 2, y: face.box.y + face.box.height / 2 });
    // The box keeps the size YuNet gave it upright, centred where the face is in the photo.
    const [width, height] = [(face.box.width * chip.side) / side, (face.box.height * chip.side) / side];
    return { score: face.score, face: { score: face.score, box: { x: centre.x - width / 2, y: centre.y - height / 2, width, height }, points: face.points.map(toPhoto) } };
  });
}
