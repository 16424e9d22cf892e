import sharp from 'sharp';
import { nonMaxSuppression } from './faceBoxes.ts';
import type { Pixels } from './Pixels.ts';
import type { YuNet, YuNetFace } from './YuNet.ts';

/** Fitted on the development sets (`npm run eval`; README, "How faces are found"). */
export const detectionScales = {
  /** The long side every photo is read at (smaller photos as they are). */
  workingSide: 640,
  /**
   * A photo decoded larger than the working side is read again at its decoded size, for
   * the faces too small for the working side.
   */
  secondScale: true,
  /** Where two scales found one face: the overlap (IoU) above which the lower score goes. */
  sameFace: 0.45,
} as const;

/** YuNet's faces in `pixels`, at the scales above, in `pixels`' coordinates. */
export async function detectFaces(yuNet: YuNet, pixels: Pixels, minScore: number): Promise<YuNetFace[]> {
  const longSide = Math.max(pixels.width, pixels.height);
  const working = await resized(pixels, Math.min(1, detectionScales.workingSide / longSide));
  const faces = rescaled(await yuNet.detect(working.pixels, minScore), working.scale);
  if (!detectionScales.secondScale || working.pixels === pixels) return faces;
  return nonMaxSuppression([...faces, ...(await yuNet.detect(pixels, minScore))], detectionScales.sameFace);
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
