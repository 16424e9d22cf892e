import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { modelPath, shippedModels } from '../../tools/models/shippedModels.ts';
import { convFilter, depthwiseFilter } from '../../tools/models/tfjsWeights.ts';

describe('tfjs filter layouts', () => {
  it('reorders [height, width, in, out] into ONNX [out, in, height, width]', () => {
    // Value = 1000h + 100w + 10i + o, so every element says where it came from.
    const shape = [2, 3, 2, 4];
    const data = Float32Array.from({ length: 48 }, (_, k) => {
      const [h, w, i, o] = [Math.floor(k / 24), Math.floor(k / 8) % 3, Math.floor(k / 4) % 2, k % 4];
      return 1000 * h + 100 * w + 10 * i + o;
    });
    const filter = convFilter({ shape, data });
    expect(filter.dims).toEqual([4, 2, 2, 3]);
    // [o=3, i=1, h=1, w=2] is at ((3 * 2 + 1) * 2 + 1) * 3 + 2.
    expect(filter.data[((3 * 2 + 1) * 2 + 1) * 3 + 2]).toBe(1213);
  });

  it('reorders depthwise [height, width, channels, 1] into [channels, 1, height, width]', () => {
    const data = Float32Array.from({ length: 12 }, (_, k) => 100 * Math.floor(k / 6) + 10 * (Math.floor(k / 3) % 2) + (k % 3));
    const filter = depthwiseFilter({ shape: [2, 2, 3, 1], data });
    expect(filter.dims).toEqual([3, 1, 2, 2]);
    expect(Array.from(filter.data.subarray(8, 12))).toEqual([2, 12, 102, 112]);
  });
});

describe('the networks in models/', () => {
  it.each(shippedModels.map((model) => [model.file, model] as const))('%s is what `npm run models` makes from its sources, byte for byte', (_, model) => {
    expect(Buffer.from(model.build()).equals(readFileSync(modelPath(model.file)))).toBe(true);
  });
});
