import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { faceApiNetwork } from '../../../src/adapters/encoder/faceApiOnnx/faceApiGraphs.ts';
import { networkBytes } from '../../../src/adapters/encoder/onnx/networkCache.ts';
import { convFilter, depthwiseFilter } from '../../../src/adapters/encoder/onnx/tfjsWeights.ts';

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

describe('the converted network cache', () => {
  it('converts once, then serves the same bytes from its folder', () => {
    const folder = mkdtempSync(join(tmpdir(), 'faces-models-'));
    const failure = vi.fn();
    const converted = networkBytes(faceApiNetwork('landmarks'), folder, failure);
    expect(readdirSync(folder)).toEqual([expect.stringMatching(/^face-api-landmarks-[0-9a-f]{16}\.onnx$/)]);
    expect(Buffer.from(networkBytes(faceApiNetwork('landmarks'), folder, failure)).equals(Buffer.from(converted))).toBe(true);
    expect(failure).not.toHaveBeenCalled();
  });

  it('replaces the file of a network made from older inputs', () => {
    const folder = mkdtempSync(join(tmpdir(), 'faces-models-'));
    writeFileSync(join(folder, 'face-api-landmarks-0123456789abcdef.onnx'), 'stale');
    writeFileSync(join(folder, 'face-api-descriptor-0123456789abcdef.onnx'), 'another network');
    networkBytes(faceApiNetwork('landmarks'), folder, () => undefined);
    expect(readdirSync(folder).sort()).toEqual(['face-api-descriptor-0123456789abcdef.onnx', expect.stringMatching(/^face-api-landmarks-(?!0123456789abcdef)/)]);
  });

  it('still gives the network when the cache cannot be written, and says why', () => {
    const notAFolder = join(mkdtempSync(join(tmpdir(), 'faces-models-')), 'file');
    writeFileSync(notAFolder, '');
    const failure = vi.fn();
    expect(networkBytes(faceApiNetwork('landmarks'), join(notAFolder, 'models'), failure).byteLength).toBeGreaterThan(1_000_000);
    expect(failure).toHaveBeenCalledWith(expect.objectContaining({ code: 'ENOTDIR' }));
  });
});
