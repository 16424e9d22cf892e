import type * as ort from 'onnxruntime-node';
import { sharp } from '../../imageFormats.ts';
import { chipToPhoto } from './Chip.ts';
import type { ViewCutter } from './ViewCutter.ts';
import { holdsCentre, nonMaxSuppression } from './faceBoxes.ts';
import type { Box, Point } from '../../../domain/ImageEncodings.ts';
import type { Pixels } from './Pixels.ts';
import type { YuNet, YuNetFace } from './YuNet.ts';

export interface DetectionSettings {
  readonly workingSide: number;
  readonly minScore: number;
  readonly nmsOverlap: number;
  readonly tile: { readonly side: number; readonly overlap: number };
}

export async function detectFaces(yuNet: YuNet, pixels: Pixels, settings: DetectionSettings): Promise<YuNetFace[]> {
  const working = await resized(pixels, Math.min(1, settings.workingSide / Math.max(pixels.width, pixels.height)));
  const faces = rescaled(await yuNet.detect(working.pixels, settings.minScore), working.scale);
  if (working.pixels === pixels) return faces;
  const { overlap } = settings.tile;
  for (const tile of tiles(pixels.width, pixels.height, settings.tile)) {
    // Only whole small faces: a larger one, or one at an edge shared with another tile, may be part of a face seen whole elsewhere.
    const whole = (face: YuNetFace) => Math.max(face.box.width, face.box.height) <= overlap && !atInnerEdge(face.box, tile, pixels);
    faces.push(...(await yuNet.detect(pixels, settings.minScore, tile)).filter(whole));
  }
  return nonMaxSuppression(faces, settings.nmsOverlap);
}

function atInnerEdge(box: Box, tile: Box, image: { width: number; height: number }): boolean {
  const margin = 2;
  return (
    (tile.x > 0 && box.x < tile.x + margin) ||
    (tile.y > 0 && box.y < tile.y + margin) ||
    (tile.x + tile.width < image.width && box.x + box.width > tile.x + tile.width - margin) ||
    (tile.y + tile.height < image.height && box.y + box.height > tile.y + tile.height - margin)
  );
}

function tiles(width: number, height: number, tile: DetectionSettings['tile']): Box[] {
  const spans = (side: number) => {
    const count = Math.max(1, Math.ceil((side - tile.overlap) / (tile.side - tile.overlap)));
    const length = Math.min(side, Math.ceil((side + (count - 1) * tile.overlap) / count / 32) * 32);
    return Array.from({ length: count }, (_, i) => ({ start: count === 1 ? 0 : Math.round((i * (side - length)) / (count - 1)), length }));
  };
  return spans(height).flatMap((row) => spans(width).map((column) => ({ x: column.start, y: row.start, width: column.length, height: row.length })));
}

/** Faces of `pixels` turned clockwise by `degrees`, in `pixels`' own coordinates; each box keeps YuNet's size, centred on the face. */
export async function detectTurned(yuNet: YuNet, pixels: Pixels, degrees: number, settings: DetectionSettings): Promise<YuNetFace[]> {
  const working = await resized(pixels, Math.min(1, settings.workingSide / Math.max(pixels.width, pixels.height)));
  const { data, info } = await sharp(working.pixels.data, { raw: { width: working.pixels.width, height: working.pixels.height, channels: 3 } })
    .rotate(degrees, { background: '#000000' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const turned = { data, width: info.width, height: info.height };
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
  return (await yuNet.detect(turned, settings.minScore)).map(({ score, box, points }) => {
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

export interface LookSettings {
  readonly context: number;
  readonly viewFloor: number;
}

export interface Look {
  readonly score: number;
  readonly face: YuNetFace | undefined;
}

/** YuNet's looks at the face framed as it sees faces best, turned by `roll` (radians) and 1-3 quarters further clockwise, in one run; faces in photo coordinates. */
export async function secondLooks(yuNet: YuNet, cutter: ViewCutter, image: ort.Tensor, box: Box, roll: number, settings: LookSettings): Promise<Look[]> {
  const chip = { centre: { x: box.x + box.width / 2, y: box.y + box.height / 2 }, side: settings.context * Math.max(box.width, box.height), angle: roll };
  const view = await cutter.cut(image, chip);
  if (!view) return [0, 1, 2, 3].map(() => ({ score: 0, face: undefined }));
  const side = view.width;
  const middle = { x: side / 2, y: side / 2, width: 0, height: 0 };
  const found = await yuNet.detectQuarterTurns(view, settings.viewFloor);
  return found.map((faces, quarters) => {
    const face = faces.filter((candidate) => holdsCentre(candidate.box, middle)).sort((a, b) => b.score - a.score)[0];
    if (!face) return { score: 0, face: undefined };
    const toPhoto = (point: Point) => {
      let [x, y] = [point.x, point.y];
      for (let turn = 0; turn < quarters; turn++) [x, y] = [y, side - 1 - x];
      return chipToPhoto(chip, x / side, y / side);
    };
    const centre = toPhoto({ x: face.box.x + face.box.width / 2, y: face.box.y + face.box.height / 2 });
    const [width, height] = [(face.box.width * chip.side) / side, (face.box.height * chip.side) / side];
    return { score: face.score, face: { score: face.score, box: { x: centre.x - width / 2, y: centre.y - height / 2, width, height }, points: face.points.map(toPhoto) } };
  });
}
