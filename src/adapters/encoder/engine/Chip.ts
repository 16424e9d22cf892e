import type { Point } from '../../../domain/ImageEncodings.ts';

/** A square cut from the photo at any angle and read upright (dlib's get_face_chip_details); `angle`: radians, clockwise as the photo shows, as `pose.roll`. */
export interface Chip {
  readonly centre: Point;
  readonly side: number;
  readonly angle: number;
}

/** Where the chip's point (u, v), in units of its side from its top-left corner, lies in the photo. */
export function chipToPhoto(chip: Chip, u: number, v: number): Point {
  const [cos, sin] = [Math.cos(chip.angle), Math.sin(chip.angle)];
  const [dx, dy] = [(u - 0.5) * chip.side, (v - 0.5) * chip.side];
  return { x: chip.centre.x + dx * cos - dy * sin, y: chip.centre.y + dx * sin + dy * cos };
}

export function photoToChip(chip: Chip, point: Point): Point {
  const [cos, sin] = [Math.cos(chip.angle), Math.sin(chip.angle)];
  const [dx, dy] = [point.x - chip.centre.x, point.y - chip.centre.y];
  return { x: (dx * cos + dy * sin) / chip.side + 0.5, y: (-dx * sin + dy * cos) / chip.side + 0.5 };
}
