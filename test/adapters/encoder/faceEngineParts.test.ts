import { describe, expect, it } from 'vitest';
import { detectorLikeBox, type Point3 } from '../../../src/adapters/encoder/engine/faceMesh.ts';
import { headPose } from '../../../src/adapters/encoder/engine/headPose.ts';
import { sameRegion } from '../../../src/adapters/encoder/engine/sameFace.ts';

describe('sameRegion', () => {
  const face = { x: 100, y: 100, width: 50, height: 60 };

  it('takes overlapping boxes, and a box holding the other one\'s centre, as one face', () => {
    expect(sameRegion(face, { x: 110, y: 105, width: 50, height: 60 })).toBe(true);
    // Much larger, so the overlap is small, but it holds the face's centre.
    expect(sameRegion(face, { x: 60, y: 60, width: 200, height: 200 })).toBe(true);
  });

  it('keeps neighbours in a crowd apart', () => {
    expect(sameRegion(face, { x: 155, y: 100, width: 50, height: 60 })).toBe(false);
    expect(sameRegion(face, { x: 140, y: 150, width: 50, height: 60 })).toBe(false);
  });
});

describe('detectorLikeBox', () => {
  it('frames a mesh wider, taller and a little higher, as SSD frames faces', () => {
    const box = detectorLikeBox({ x: 100, y: 100, width: 100, height: 100 });
    expect(box.width).toBeCloseTo(112);
    expect(box.height).toBeCloseTo(136);
    expect(box.x + box.width / 2).toBeCloseTo(150);
    expect(box.y + box.height / 2).toBeCloseTo(144);
  });
});

describe('headPose', () => {
  /** The four points headPose reads, for a face rotated by `turn` then `tilt` (radians). */
  function mesh(transform: (p: Point3) => Point3): Point3[] {
    const points: Point3[] = Array.from({ length: 468 }, () => ({ x: 0, y: 0, z: 0 }));
    // On a level face, FaceMesh puts the chin 10 degrees farther from the camera than the forehead.
    const lean = (10 * Math.PI) / 180;
    points[10] = transform({ x: 0, y: -50 * Math.cos(lean), z: -50 * Math.sin(lean) });
    points[152] = transform({ x: 0, y: 50 * Math.cos(lean), z: 50 * Math.sin(lean) });
    points[234] = transform({ x: -40, y: 0, z: 0 });
    points[454] = transform({ x: 40, y: 0, z: 0 });
    return points;
  }
  const degrees = (d: number) => (d * Math.PI) / 180;

  it('reads a level face looking at the camera as 0, 0, 0', () => {
    const pose = headPose(mesh((p) => p));
    expect(pose.yaw).toBeCloseTo(0);
    expect(pose.pitch).toBeCloseTo(0);
    expect(pose.roll).toBeCloseTo(0);
  });

  it('reads a head tilted clockwise in the image as positive roll', () => {
    const a = degrees(20);
    // Clockwise on screen (y down): x' = x cos - y sin, y' = x sin + y cos.
    const pose = headPose(mesh((p) => ({ x: p.x * Math.cos(a) - p.y * Math.sin(a), y: p.x * Math.sin(a) + p.y * Math.cos(a), z: p.z })));
    expect(pose.roll).toBeCloseTo(20, 0);
    expect(Math.abs(pose.yaw)).toBeLessThan(1);
  });

  it('reads a head turned towards the image\'s right as positive yaw', () => {
    const a = degrees(30);
    // Turning right brings the image-left side nearer the camera (smaller z).
    const pose = headPose(mesh((p) => ({ x: p.x * Math.cos(a) - p.z * Math.sin(a), y: p.y, z: p.x * Math.sin(a) + p.z * Math.cos(a) })));
    expect(pose.yaw).toBeCloseTo(30, 0);
  });
});
