import * as ort from 'onnxruntime-node';
import { chipToPhoto, type Chip } from './Chip.ts';

/** The feeds of a network that starts with a chip input (tools/models/chipInput.ts) for `chips` of `image`; undefined when they hold no pixel of it. */
export function chipFeeds(image: ort.Tensor, chips: readonly Chip[]): Record<string, ort.Tensor> | undefined {
  const [, height, width] = image.dims as [number, number, number, number];
  const corners = chips.flatMap((chip) => [chipToPhoto(chip, 0, 0), chipToPhoto(chip, 1, 0), chipToPhoto(chip, 0, 1), chipToPhoto(chip, 1, 1)]);
  const left = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.x))) - 1);
  const top = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.y))) - 1);
  const right = Math.min(width, Math.ceil(Math.max(...corners.map((p) => p.x))) + 2);
  const bottom = Math.min(height, Math.ceil(Math.max(...corners.map((p) => p.y))) + 2);
  if (right <= left || bottom <= top) return undefined;
  const [partWidth, partHeight] = [right - left, bottom - top];
  // GridSample (align_corners 0) puts pixel k of a side n at (2k + 1) / n - 1.
  const normalised = (point: { x: number; y: number }) => [(2 * (point.x - left) + 1) / partWidth - 1, (2 * (point.y - top) + 1) / partHeight - 1] as const;
  const affine = new Float32Array(3 * 2 * chips.length);
  chips.forEach((chip, i) => {
    const [origin, alongU, alongV] = [chipToPhoto(chip, 0, 0), chipToPhoto(chip, 1, 0), chipToPhoto(chip, 0, 1)].map(normalised) as [readonly [number, number], readonly [number, number], readonly [number, number]];
    const columns = [[alongU[0] - origin[0], alongV[0] - origin[0], origin[0]], [alongU[1] - origin[1], alongV[1] - origin[1], origin[1]]];
    columns.forEach((column, c) => column.forEach((value, row) => (affine[row * 2 * chips.length + 2 * i + c] = value)));
  });
  const int64s = (values: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [values.length]);
  return { image, start: int64s([top, left]), end: int64s([bottom, right]), affine: new ort.Tensor('float32', affine, [3, 2 * chips.length]) };
}
