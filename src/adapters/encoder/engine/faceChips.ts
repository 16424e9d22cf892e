import type { Chip } from './Chip.ts';
import type { Box, Point } from '../../../domain/ImageEncodings.ts';
import { angleOf, centreOf, distance, fitSimilarity } from './geometry.ts';

/** Radians clockwise: the five points fitted to arcface's upright template, so a face upside down reads as a half turn. */
export function yuNetRoll(points: readonly Point[]): number {
  return fitSimilarity(UPRIGHT_FIVE, points).angle;
}

const UPRIGHT_FIVE: readonly Point[] = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

/** YuNet's box moved and scaled to where SSD MobileNet (face-api's detector) boxed the same faces: medians on the development set. */
const SSD_FRAMING = { shiftX: -0.012, shiftY: -0.017, width: 0.961, height: 1.052 } as const;

export function landmarkChip(box: Box, yuNetPoints: readonly Point[]): Chip {
  const side = Math.max(box.width * SSD_FRAMING.width, box.height * SSD_FRAMING.height);
  const centre = { x: box.x + box.width * (0.5 + SSD_FRAMING.shiftX), y: box.y + box.height * (0.5 + SSD_FRAMING.shiftY) };
  return { centre, side, angle: yuNetRoll(yuNetPoints) };
}

/** dlib's mean face (get_face_chip_details, dlib/image_transforms/interpolation.h, Boost licence): iBUG points 27-54 and 60-64, unit square. */
const MEAN_FACE: ReadonlyMap<number, Point> = new Map(
  [
    [27, 0.490127, 0.203352], [28, 0.490127, 0.307009], [29, 0.490127, 0.409805], [30, 0.490127, 0.515625],
    [31, 0.36688, 0.587326], [32, 0.426036, 0.609345], [33, 0.490127, 0.628106], [34, 0.554217, 0.609345], [35, 0.613373, 0.587326],
    [36, 0.121737, 0.216423], [37, 0.187122, 0.178758], [38, 0.265825, 0.179852], [39, 0.334606, 0.231733], [40, 0.260918, 0.245099], [41, 0.182743, 0.244077],
    [42, 0.645647, 0.231733], [43, 0.714428, 0.179852], [44, 0.793132, 0.178758], [45, 0.858516, 0.216423], [46, 0.79751, 0.244077], [47, 0.719335, 0.245099],
    [48, 0.254149, 0.780233], [49, 0.340985, 0.745405], [50, 0.428858, 0.727388], [51, 0.490127, 0.742578], [52, 0.551395, 0.727388], [53, 0.639268, 0.745405], [54, 0.726104, 0.780233],
    [60, 0.290379, 0.784792], [61, 0.428096, 0.778746], [62, 0.490127, 0.785343], [63, 0.552157, 0.778746], [64, 0.689874, 0.784792],
  ].map(([index, x, y]) => [index!, { x: x!, y: y! }]),
);

export function landmarkRoll(points: readonly Point[]): number {
  return fitSimilarity([...MEAN_FACE.values()], [...MEAN_FACE.keys()].map((index) => points[index]!)).angle;
}

/** face-api's square (FaceLandmarks.alignDlib: side from the eyes' distance to the mouth, their centre at 0.5, 0.43), turned by the eye line. */
export function descriptorChip(points: readonly Point[]): Chip {
  const leftEye = centreOf(points.slice(36, 42));
  const rightEye = centreOf(points.slice(42, 48));
  const mouth = centreOf(points.slice(48, 68));
  const side = (distance(leftEye, mouth) + distance(rightEye, mouth)) / 2 / 0.45;
  const reference = centreOf([leftEye, rightEye, mouth]);
  const angle = angleOf(leftEye, rightEye);
  const below = 0.07 * side;
  return { centre: { x: reference.x - below * Math.sin(angle), y: reference.y + below * Math.cos(angle) }, side, angle };
}
