import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One named weight of a tfjs model, as float32 whatever it was stored as. */
export interface Weight {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

interface ManifestEntry {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32';
  readonly quantization?:
    | { readonly dtype: 'uint8' | 'uint16'; readonly scale: number; readonly min: number }
    | { readonly dtype: 'float16' };
}

/** One entry of a tfjs `weightsManifest`: shard files and the weights packed in them, in order. */
export interface ManifestGroup {
  readonly paths: string[];
  readonly weights: ManifestEntry[];
}

/** A face-api model's weights (face-api keeps the manifest in a file of its own). */
export function readFaceApiWeights(modelFolder: string, modelName: string): Map<string, Weight> {
  const manifest = JSON.parse(readFileSync(join(modelFolder, `${modelName}-weights_manifest.json`), 'utf8')) as ManifestGroup[];
  return readTfjsWeights(modelFolder, manifest);
}

/**
 * Reads the shards a tfjs weights manifest describes, dequantizing the way tfjs-core's
 * `io.decodeWeights` does (`q * scale + min` in double precision, stored as float32;
 * int32 weights rounded; float16 widened), so the numbers equal what tfjs computed with.
 */
export function readTfjsWeights(modelFolder: string, manifest: readonly ManifestGroup[]): Map<string, Weight> {
  const weights = new Map<string, Weight>();
  for (const group of manifest) {
    const shards = Buffer.concat(group.paths.map((path) => readFileSync(join(modelFolder, path))));
    let offset = 0;
    for (const entry of group.weights) {
      const count = entry.shape.reduce((product, side) => product * side, 1);
      const { data, bytes } = decode(entry, shards, offset, count);
      weights.set(entry.name, { shape: entry.shape, data });
      offset += bytes;
    }
    if (offset !== shards.byteLength) {
      throw new Error(`${group.paths.join(', ')}: the manifest describes ${offset} bytes, the shards hold ${shards.byteLength}`);
    }
  }
  return weights;
}

function decode(entry: ManifestEntry, shards: Buffer, offset: number, count: number): { data: Float32Array; bytes: number } {
  const { quantization } = entry;
  if (!quantization) {
    const bytes = count * 4;
    const raw = shards.buffer.slice(shards.byteOffset + offset, shards.byteOffset + offset + bytes);
    return { data: entry.dtype === 'int32' ? Float32Array.from(new Int32Array(raw)) : new Float32Array(raw), bytes };
  }
  if (quantization.dtype === 'float16') {
    const bytes = count * 2;
    const raw = shards.buffer.slice(shards.byteOffset + offset, shards.byteOffset + offset + bytes);
    return { data: Float32Array.from(new Float16Array(raw)), bytes };
  }
  const width = quantization.dtype === 'uint8' ? 1 : 2;
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const at = offset + i * width;
    const quantized = width === 1 ? shards.readUInt8(at) : shards.readUInt16LE(at);
    const value = quantized * quantization.scale + quantization.min;
    data[i] = entry.dtype === 'int32' ? Math.round(value) : value;
  }
  return { data, bytes: count * width };
}

/** A convolution filter laid out the way ONNX's Conv wants it. */
export interface Filter {
  readonly dims: readonly [number, number, number, number];
  readonly data: Float32Array;
}

/** tfjs conv2d filters are [height, width, in, out]; ONNX Conv wants [out, in, height, width]. */
export function convFilter(weight: Weight): Filter {
  const [height, width, inputs, outputs] = fourDims(weight);
  const data = new Float32Array(weight.data.length);
  for (let h = 0; h < height; h++)
    for (let w = 0; w < width; w++)
      for (let i = 0; i < inputs; i++)
        for (let o = 0; o < outputs; o++)
          data[((o * inputs + i) * height + h) * width + w] = weight.data[((h * width + w) * inputs + i) * outputs + o]!;
  return { dims: [outputs, inputs, height, width], data };
}

/** tfjs depthwise filters are [height, width, channels, multiplier]; ONNX wants [channels * multiplier, 1, height, width]. */
export function depthwiseFilter(weight: Weight): Filter {
  const [height, width, channels, multiplier] = fourDims(weight);
  const data = new Float32Array(weight.data.length);
  for (let h = 0; h < height; h++)
    for (let w = 0; w < width; w++)
      for (let c = 0; c < channels; c++)
        for (let m = 0; m < multiplier; m++)
          data[((c * multiplier + m) * height + h) * width + w] = weight.data[((h * width + w) * channels + c) * multiplier + m]!;
  return { dims: [channels * multiplier, 1, height, width], data };
}

function fourDims(weight: Weight): [number, number, number, number] {
  const [a, b, c, d, ...rest] = weight.shape;
  if (d === undefined || rest.length > 0) throw new Error(`expected a 4-d filter, got [${weight.shape.join(', ')}]`);
  return [a!, b!, c!, d];
}
