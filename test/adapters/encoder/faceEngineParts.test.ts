import { describe, expect, it } from 'vitest';
import { nonMaxSuppression } from '../../../src/adapters/encoder/engine/faceBoxes.ts';
import { headPose } from '../../../src/adapters/encoder/engine/headPose.ts';
import { landmarkBox } from '../../../src/adapters/encoder/engine/landmarkBox.ts';

describe('nonMaxSuppression', () => {
  const at = (score: number, x: number) => ({ score, box: { x, y: 0, width: 100, height: 100 } });

  it('keeps the best of boxes overlapping by more than the limit, best first, and neighbours apart', () => {
    // 60 of 140 overlap (IoU 0.43) stays under 0.45; 90 of 110 (0.82) does not.
    expect(nonMaxSuppression([at(0.7, 40), at(0.9, 0), at(0.8, 10)], 0.45)).toEqual([at(0.9, 0), at(0.7, 40)]);
  });
});

describe('landmarkBox', () => {
  it("frames YuNet's box as SSD framed faces: a little narrower and taller, a little higher", () => {
    const box = landmarkBox({ x: 100, y: 100, width: 100, height: 100 });
    expect(box.width).toBeLessThan(100);
    expect(box.height).toBeGreaterThan(100);
    expect(box.y + box.height / 2).toBeLessThan(150);
  });
});

describe('headPose', () => {
  /**
   * 68 points (only the ones headPose reads are set) of a flat-ish face seen from the
   * front, 100 px across, each rotated by `turn` and projected orthographically.
   */
  const front: Record<number, [number, number, number]> = {
    17: [-68, -68, -44], 21: [-13, -71, -69], 22: [13, -71, -69], 26: [68, -68, -44],
    36: [-53, -55, -40], 39: [-18, -54, -44], 42: [18, -54, -44], 45: [53, -55, -40],
    31: [-20, -14, -62], 35: [20, -14, -62], 48: [-28, 21, -50], 54: [28, 21, -50], 57: [0, 31, -61], 8: [0, 74, -41],
  };
  const degrees = (d: number) => (d * Math.PI) / 180;
  /** Chin down 10 degrees first: face-api's points of a face looking at the camera sit that way on the generic head. */
  const lean = (p: [number, number, number]): [number, number, number] => {
    const a = degrees(10);
    return [p[0], p[1] * Math.cos(a) - p[2] * Math.sin(a), p[1] * Math.sin(a) + p[2] * Math.cos(a)];
  };
  function points(rotate: (p: [number, number, number]) => [number, number, number]) {
    const all = Array.from({ length: 68 }, () => ({ x: 0, y: 0 }));
    for (const [index, p] of Object.entries(front)) {
      const [x, y] = rotate(lean(p));
      all[Number(index)] = { x: 300 + x, y: 200 + y };
    }
    return all;
  }

  it('reads a face looking at the camera as about 0, 0, 0', () => {
    const pose = headPose(points((p) => p));
    expect(Math.abs(pose.yaw)).toBeLessThan(3);
    expect(Math.abs(pose.pitch)).toBeLessThan(3);
    expect(Math.abs(pose.roll)).toBeLessThan(3);
  });

  it('reads a head tilted clockwise in the image as positive roll', () => {
    const a = degrees(20);
    // Clockwise on screen (y down): x' = x cos - y sin, y' = x sin + y cos.
    const pose = headPose(points(([x, y, z]) => [x * Math.cos(a) - y * Math.sin(a), x * Math.sin(a) + y * Math.cos(a), z]));
    expect(pose.roll).toBeGreaterThan(16);
    expect(pose.roll).toBeLessThan(24);
    expect(Math.abs(pose.yaw)).toBeLessThan(3);
  });

  it("reads a head turned towards the image's right as positive yaw, and chin up as positive pitch", () => {
    const a = degrees(30);
    // Turning right brings the nose (z < 0, towards the camera) to the right: x' = x cos - z sin.
    const turned = headPose(points(([x, y, z]) => [x * Math.cos(a) - z * Math.sin(a), y, x * Math.sin(a) + z * Math.cos(a)]));
    expect(turned.yaw).toBeGreaterThan(24);
    expect(turned.yaw).toBeLessThan(36);
    // Chin up brings the nose up (y smaller): y' = y cos + z sin.
    const raised = headPose(points(([x, y, z]) => [x, y * Math.cos(a) + z * Math.sin(a), -y * Math.sin(a) + z * Math.cos(a)]));
    expect(raised.pitch).toBeGreaterThan(24);
    expect(raised.pitch).toBeLessThan(36);
  });
});
