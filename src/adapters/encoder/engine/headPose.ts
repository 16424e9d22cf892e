import type { HeadPose, Point } from '../../../domain/ImageEncodings.ts';

/**
 * A generic head: 14 points of the anthropometric 3-D face model of Martins and Batista
 * (ISR Coimbra), as lincolnhard/head-pose-estimation (MIT) tabulates it for the iBUG
 * points below, turned into the camera's axes (x to the image's right, y down, z away
 * from the camera) for a face looking at the camera.
 */
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

/**
 * face-api's points sit on a face that looks at the camera as on the generic head turned
 * chin down by about 10 degrees: the development set's faces, which mostly look at the
 * camera, had a median pitch of -9.8 with the head as tabulated (0 with it turned).
 */
const CHIN_DOWN = (10 * Math.PI) / 180;

/**
 * The least-squares fit of a 2x3 projection to the model, solved once: a projection
 * row is the sum over the points of their image coordinate times these weights,
 * (sum of P P^T)^-1 P for P the model point less the model's mean. (The weights sum to
 * zero, so the image points need no centring.)
 */
const FIT_WEIGHTS: readonly Vector3[] = (() => {
  const [cos, sin] = [Math.cos(CHIN_DOWN), Math.sin(CHIN_DOWN)];
  const points = MODEL.map(([, x, y, z]) => [x, y * cos - z * sin, y * sin + z * cos]);
  const mean = [0, 1, 2].map((k) => points.reduce((sum, p) => sum + p[k]!, 0) / points.length);
  const centred = points.map((p) => p.map((value, k) => value - mean[k]!));
  const moments = [0, 1, 2].map((a) => [0, 1, 2].map((b) => centred.reduce((sum, p) => sum + p[a]! * p[b]!, 0)));
  const inverse = invert3(moments);
  return centred.map((p) => inverse.map((row) => row[0]! * p[0]! + row[1]! * p[1]! + row[2]! * p[2]!));
})();

/**
 * Head rotation from face-api's 68 points: the generic head fitted to them under scaled
 * orthographic projection (a face is small next to its distance from the camera), its
 * two image axes made orthonormal, then read as angles: roll in the photo, yaw and pitch
 * in the head's upright frame. Signs follow HeadPose: turned to the image's right, chin
 * up and tilted clockwise are positive.
 */
export function headPose(points: readonly Point[]): HeadPose {
  const projectionRow = (coordinate: (point: Point) => number) =>
    [0, 1, 2].map((k) => MODEL.reduce((sum, [index], i) => sum + coordinate(points[index]!) * FIT_WEIGHTS[i]![k]!, 0));
  // The camera's x and y axes in the head's frame; the third follows.
  const [right, down] = orthonormalPair(projectionRow((p) => p.x), projectionRow((p) => p.y));
  const facing = cross(right, down);
  // The head's own axes in the camera's frame are the columns: its nose points along -z.
  const roll = Math.atan2(down[0]!, right[0]!);
  // Yaw and pitch are the head's own, read with the roll undone: a head tilted in the
  // photo turns and nods as it would upright (otherwise, rolled 90 degrees, a nod would read as a turn).
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
  // The inverse's columns are the cofactor rows over the determinant.
  return [0, 1, 2].map((row) => [c0[row]! / determinant, c1[row]! / determinant, c2[row]! / determinant]);
}

/** The orthonormal pair nearest to two near-orthogonal vectors, neither favoured. */
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
