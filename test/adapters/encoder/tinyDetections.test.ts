import { describe, expect, it } from 'vitest';
import { tinyDetectorNetwork } from '../../../src/adapters/encoder/faceApiOnnx/faceApiGraphs.ts';
import { tinyDetections } from '../../../src/adapters/encoder/faceApiOnnx/tinyDetections.ts';

/** A raw [1, 25, cells, cells] output where nothing scores, and a way to place one box. */
function emptyGrid(inputSize: number) {
  const cells = inputSize / 32;
  const grid = new Float32Array(25 * cells * cells);
  const set = (anchor: number, number: number, row: number, col: number, value: number) => {
    grid[(anchor * 5 + number) * cells * cells + row * cells + col] = value;
  };
  for (let anchor = 0; anchor < 5; anchor++) for (let row = 0; row < cells; row++) for (let col = 0; col < cells; col++) set(anchor, 4, row, col, -20);
  const place = (anchor: number, row: number, col: number, box: { objectness: number; logWidth?: number }) => {
    set(anchor, 4, row, col, box.objectness);
    set(anchor, 2, row, col, box.logWidth ?? 0);
  };
  return { grid, place };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('tiny detector post-processing', () => {
  it('decodes a cell into a box of the image, undoing the padding at the bottom', () => {
    const { grid, place } = emptyGrid(416);
    // Centre offsets 0 put the centre mid-cell; log sizes 0 give the anchor's size in cells.
    place(0, 2, 3, { objectness: 2 });
    const [detection, ...others] = tinyDetections(grid, { width: 200, height: 100 }, { inputSize: 416, scoreThreshold: 0.3 });
    expect(others).toEqual([]);
    expect(detection!.score).toBeCloseTo(sigmoid(2), 12);
    // The 200x100 image is the top half of a 200x200 square of 13x13 cells.
    const cell = 200 / 13;
    expect(detection!.box.x).toBeCloseTo((3.5 - 1.603231 / 2) * cell, 9);
    expect(detection!.box.y).toBeCloseTo((2.5 - 2.094468 / 2) * cell, 9);
    expect(detection!.box.width).toBeCloseTo(1.603231 * cell, 9);
    expect(detection!.box.height).toBeCloseTo(2.094468 * cell, 9);
  });

  it('keeps only scores above the threshold', () => {
    const { grid, place } = emptyGrid(160);
    place(1, 0, 0, { objectness: 0 });
    expect(tinyDetections(grid, { width: 50, height: 50 }, { inputSize: 160, scoreThreshold: 0.5 })).toEqual([]);
    expect(tinyDetections(grid, { width: 50, height: 50 }, { inputSize: 160, scoreThreshold: 0.49 })).toHaveLength(1);
  });

  it("drops the weaker of two boxes overlapping by more than face-api's 0.4, best first", () => {
    // Two boxes of one anchor in neighbouring cells, `side` cells wide: IoU (side - 1) / (side + 1).
    const overlapping = (iou: number) => {
      const { grid, place } = emptyGrid(320);
      const logWidth = Math.log((1 + iou) / (1 - iou) / 1.603231);
      place(0, 4, 4, { objectness: 1, logWidth });
      place(0, 4, 5, { objectness: 3, logWidth });
      return tinyDetections(grid, { width: 320, height: 320 }, { inputSize: 320, scoreThreshold: 0.3 }).map((detection) => detection.score);
    };
    expect(overlapping(0.45)).toEqual([sigmoid(3)]);
    expect(overlapping(0.35)).toEqual([sigmoid(3), sigmoid(1)]);
  });

  it('refuses a grid of another input size, and input sizes that are not multiples of 32', () => {
    const { grid } = emptyGrid(416);
    expect(() => tinyDetections(grid, { width: 10, height: 10 }, { inputSize: 608, scoreThreshold: 0.5 })).toThrow(/does not fit/);
    expect(() => tinyDetections(grid, { width: 10, height: 10 }, { inputSize: 400, scoreThreshold: 0.5 })).toThrow(/multiple of 32/);
    expect(() => tinyDetectorNetwork(400)).toThrow(/multiple of 32/);
  });

  it('names one network per input size, so each is cached apart', () => {
    expect(tinyDetectorNetwork(416).name).toBe('face-api-tinyDetector-416');
    expect(tinyDetectorNetwork(608).name).toBe('face-api-tinyDetector-608');
  });
});
