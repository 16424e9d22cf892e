import { describe, expect, it } from 'vitest';
import { nonMaxSuppression } from '../../../src/adapters/encoder/engine/faceBoxes.ts';
import { headPose } from '../../../src/adapters/encoder/engine/headPose.ts';
import { chipToPhoto, photoToChip } from '../../../src/adapters/encoder/engine/Chip.ts';
import { descriptorChip, landmarkChip, yuNetRoll } from '../../../src/adapters/encoder/engine/faceChips.ts';
import { angleApart } from '../../../src/adapters/encoder/engine/geometry.ts';
import type { Point } from '../../../src/domain/ImageEncodings.ts';

describe('nonMaxSuppression', () => {
  const at = (score: number, x: number) => ({ score, box: { x, y: 0, width: 100, height: 100 } });

  it('keeps the best of boxes overlapping by more than the limit, best first, and neighbours apart', () => {
    // 60 of 140 overlap (IoU 0.43) stays under 0.45; 90 of 110 (0.82) does not.
    expect(nonMaxSuppression([at(0.7, 40), at(0.9, 0), at(0.8, 10)], 0.45)).toEqual([at(0.9, 0), at(0.7, 40)]);
  });
});

describe('the chips faces are read in', () => {
  const upright = [
    { x: 38.2946, y: 51.6963 },
    { x: 73.5318, y: 51.5014 },
    { x: 56.0252, y: 71.7366 },
    { x: 41.5493, y: 92.3655 },
    { x: 70.7299, y: 92.2041 },
  ];
  /** `points` turned clockwise by `degrees` about (200, 100), scaled 3 times. */
  const turned = (points: readonly Point[], degrees: number) => {
    const a = (degrees * Math.PI) / 180;
    return points.map(({ x, y }) => ({ x: 200 + 3 * (x * Math.cos(a) - y * Math.sin(a)), y: 100 + 3 * (x * Math.sin(a) + y * Math.cos(a)) }));
  };
  const degreesOf = (radians: number) => (radians * 180) / Math.PI;

  it("reads YuNet's five points as turned by the whole turn, upside down included", () => {
    for (const degrees of [0, 30, -45, 90, 180, -135]) {
      expect(angleApart(yuNetRoll(turned(upright, degrees)), (degrees * Math.PI) / 180)).toBeLessThan(1e-6);
    }
  });

  it("frames YuNet's box as SSD framed faces (a square a little taller than YuNet's box, a little higher), turned as the five points are", () => {
    const chip = landmarkChip({ x: 100, y: 100, width: 100, height: 100 }, turned(upright, 20));
    expect(chip.side).toBeGreaterThan(100);
    expect(chip.centre.y).toBeLessThan(150);
    expect(degreesOf(chip.angle)).toBeCloseTo(20, 6);
  });

  it("cuts the descriptor's chip as face-api's square when the face is upright, and turns it with the eyes", () => {
    // 68 points where only the eyes (36-47) and the mouth (48-67) matter: eyes 40 px apart, mouth 45 px below them.
    const face = Array.from({ length: 68 }, (_, i) => (i >= 36 && i < 42 ? { x: 80, y: 100 } : i >= 42 && i < 48 ? { x: 120, y: 100 } : { x: 100, y: 145 }));
    const chip = descriptorChip(face);
    const side = (2 * Math.hypot(20, 45)) / 2 / 0.45;
    expect(chip.angle).toBe(0);
    expect(chip.side).toBeCloseTo(side, 6);
    // face-api's square: the eyes' and mouth's centre at (0.5, 0.43) of it.
    expect(photoToChip(chip, { x: 100, y: 115 }).x).toBeCloseTo(0.5, 6);
    expect(photoToChip(chip, { x: 100, y: 115 }).y).toBeCloseTo(0.43, 6);
    const tilted = descriptorChip(turned(face, 30));
    expect(degreesOf(tilted.angle)).toBeCloseTo(30, 6);
    expect(tilted.side).toBeCloseTo(3 * side, 6);
    // The same face points land on the same chip points.
    const [before, after] = [photoToChip(chip, face[30]!), photoToChip(tilted, turned([face[30]!], 30)[0]!)];
    expect(after.x).toBeCloseTo(before.x, 6);
    expect(after.y).toBeCloseTo(before.y, 6);
  });

  it('maps chip points to the photo and back', () => {
    const chip = { centre: { x: 50, y: 60 }, side: 40, angle: 1 };
    const photo = chipToPhoto(chip, 0.25, 0.8);
    const back = photoToChip(chip, photo);
    expect(back.x).toBeCloseTo(0.25, 9);
    expect(back.y).toBeCloseTo(0.8, 9);
    expect(chipToPhoto(chip, 0.5, 0.5)).toEqual({ x: 50, y: 60 });
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

  it('reads the turn of a head tilted a quarter in the photo as its own, not as a nod', () => {
    const [turn, tilt] = [degrees(30), degrees(90)];
    const pose = headPose(
      points(([x, y, z]) => {
        const [tx, tz] = [x * Math.cos(turn) - z * Math.sin(turn), x * Math.sin(turn) + z * Math.cos(turn)];
        return [tx * Math.cos(tilt) - y * Math.sin(tilt), tx * Math.sin(tilt) + y * Math.cos(tilt), tz];
      }),
    );
    expect(pose.roll).toBeGreaterThan(85);
    expect(pose.roll).toBeLessThan(95);
    expect(pose.yaw).toBeGreaterThan(24);
    expect(pose.yaw).toBeLessThan(36);
    expect(Math.abs(pose.pitch)).toBeLessThan(4);
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
