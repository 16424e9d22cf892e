import type { HeadPose, Point } from '../../../domain/ImageEncodings.ts';

/** 14 points of Martins and Batista's generic 3-D head, as lincolnhard/head-pose-estimation (MIT) tabulates them, in camera axes (x right, y down, z away). */
const MODEL: ReadonlyArray<readonly [index: number, x: number, y: number, z: number]> = [
  [17, -6.825897, -6.760612, -4.402142], // brow, outer end on the image's left
  [21, -1.330353, -7.122144, -6.903745],
  [22, 1.330353, -7.122144, -6.903745],
  [26, 6.825897, -6.760612, -4.402142],
  [36, -5.311432, -5.485328, -3.987654], // eye corners
  [39, -1.78993, -5.393625, -4.413414],
  [42, 1.78993, -5.393625, -4.413414],
  [45, 5.311432, -5.485328, -3.987654],
  [31, -2.005628, -1.409845, -6.165652], // nostrils
  [35, 2.005628, -1.409845, -6.165652],
  [48, -2.774015, 2.080775, -5.048531], // mouth corners
  [54, 2.774015, 2.080775, -5.048531],
  [57, 0, 3.116408, -6.097667], // lower lip
  [8, 0, 7.415691, -4.070434], // chin
];

/** face-api's points of faces looking at the camera fit the head turned chin down ~10°: dev-set's median pitch was -9.8 as tabulated, 0 turned. */
const CHIN_DOWN = (10 * Math.PI) / 180;

/** Least-squares 2x3 projection, solved once: a row is the image coordinates weighted by (sum P P^T)^-1 P, P the centred model points (weights sum to 0). */
const FIT_WEIGHTS: readonly Vector3[] = (() => {
  const [cos, sin] = [Math.cos(CHIN_DOWN), Math.sin(CHIN_DOWN)];
  const points = MODEL.map(([, x, y, z]) => [x, y * cos - z * sin, y * sin + z * cos]);
  const mean = [0, 1, 2].map((k) => points.reduce((sum, p) => sum + p[k]!, 0) / points.length);
  const centred = points.map((p) => p.map((value, k) => value - mean[k]!));
  const moments = [0, 1, 2].map((a) => [0, 1, 2].map((b) => centred.reduce((sum, p) => sum + p[a]! * p[b]!, 0)));
  const inverse = invert3(moments);
  return centred.map((p) => inverse.map((row) => row[0]! * p[0]! + row[1]! * p[1]! + row[2]! * p[2]!));
})();

/** The generic head fitted under scaled orthographic projection: roll in the photo, yaw and pitch with the roll undone. Positive: turned to the image's right, chin up, clockwise. */
export function headPose(points: readonly Point[]): HeadPose {
  const projectionRow = (coordinate: (point: Point) => number) =>
    [0, 1, 2].map((k) => MODEL.reduce((sum, [index], i) => sum + coordinate(points[index]!) * FIT_WEIGHTS[i]![k]!, 0));
  const [right, down] = orthonormalPair(projectionRow((p) => p.x), projectionRow((p) => p.y));
  const facing = cross(right, down);
  const roll = Math.atan2(down[0]!, right[0]!);
  const [cos, sin] = [Math.cos(roll), Math.sin(roll)];
  const [x, y] = [-right[2]!, -down[2]!];
  const nose = { x: x * cos + y * sin, y: y * cos - x * sin, z: -facing[2]! };
  const degrees = (radians: number) => Math.round(((radians * 180) / Math.PI) * 10) / 10;
  return {
    yaw: degrees(Math.atan2(nose.x, -nose.z)),
    pitch: degrees(Math.atan2(-nose.y, Math.hypot(nose.x, nose.z))),
    roll: degrees(roll),
  };
}

type Vector3 = readonly number[];

function invert3(m: readonly (readonly number[])[]): number[][] {
  const [a, b, c] = m as [number[], number[], number[]];
  const cofactor = (r1: number[], r2: number[]) => cross(r1, r2);
  const [c0, c1, c2] = [cofactor(b, c), cofactor(c, a), cofactor(a, b)];
  const determinant = a[0]! * c0[0]! + a[1]! * c0[1]! + a[2]! * c0[2]!;
  return [0, 1, 2].map((row) => [c0[row]! / determinant, c1[row]! / determinant, c2[row]! / determinant]);
}

function orthonormalPair(a: Vector3, b: Vector3): [number[], number[]] {
  const [u, v] = [normalise(a), normalise(b)];
  const sum = normalise(u.map((x, k) => x + v[k]!));
  const difference = normalise(u.map((x, k) => x - v[k]!));
  return [sum.map((x, k) => (x + difference[k]!) / Math.SQRT2), sum.map((x, k) => (x - difference[k]!) / Math.SQRT2)];
}

function normalise(v: Vector3): number[] {
  const length = Math.hypot(...v);
  return v.map((x) => x / length);
}

function cross(a: Vector3, b: Vector3): number[] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}
