import type { HeadPose } from '../../../domain/ImageEncodings.ts';
import type { Point3 } from './faceMesh.ts';

/** FaceMesh points on the face's edges: top of the forehead, chin, and both sides. */
const FOREHEAD = 10;
const CHIN = 152;
const IMAGE_LEFT_SIDE = 234;
const IMAGE_RIGHT_SIDE = 454;
/**
 * On a level head FaceMesh puts the chin about 10 degrees farther from the camera than
 * the forehead's top (the development set's faces, which mostly look at the camera, had
 * a median pitch of -10 without this): the face's axes are turned back by it first.
 */
const CHIN_LEAN = (10 * Math.PI) / 180;

/**
 * Head rotation from FaceMesh's 3-D points, as human's angles.ts finds it: the face's
 * axes are forehead to chin and side to side, made orthogonal, and read as Euler
 * angles (Y, then Z, then X). Signs follow HeadPose: turned to the image's right,
 * chin up and tilted clockwise are positive (checked on photos turned and mirrored).
 */
export function headPose(points: readonly Point3[]): HeadPose {
  const chinward = normalise(subtract(points[CHIN]!, points[FOREHEAD]!));
  const across = normalise(subtract(points[IMAGE_RIGHT_SIDE]!, points[IMAGE_LEFT_SIDE]!));
  const facing = normalise(cross(across, chinward));
  const right = cross(chinward, facing);
  const [cos, sin] = [Math.cos(CHIN_LEAN), Math.sin(CHIN_LEAN)];
  const down = combine(chinward, cos, facing, -sin);
  const forward = combine(facing, cos, chinward, sin);
  const degrees = (radians: number) => Math.round(((radians * 180) / Math.PI) * 10) / 10;
  return {
    yaw: degrees(Math.atan2(-forward.x, right.x)),
    pitch: degrees(Math.atan2(-down.z, down.y)),
    roll: degrees(-Math.atan2(down.x, Math.hypot(right.x, forward.x))),
  };
}

function subtract(a: Point3, b: Point3): Point3 {
  return { x: a.x - b.x, y: a.y - b.y, z: a.z - b.z };
}

/** a * p + b * q */
function combine(a: Point3, p: number, b: Point3, q: number): Point3 {
  return { x: a.x * p + b.x * q, y: a.y * p + b.y * q, z: a.z * p + b.z * q };
}

function cross(a: Point3, b: Point3): Point3 {
  return { x: a.y * b.z - a.z * b.y, y: a.z * b.x - a.x * b.z, z: a.x * b.y - a.y * b.x };
}

function normalise(v: Point3): Point3 {
  const length = Math.hypot(v.x, v.y, v.z);
  return { x: v.x / length, y: v.y / length, z: v.z / length };
}
