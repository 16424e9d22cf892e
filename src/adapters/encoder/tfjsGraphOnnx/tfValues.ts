import type { OnnxGraph } from '../onnx/OnnxGraph.ts';

/**
 * A TensorFlow tensor while its graph is translated: either known now (a weight, a
 * shape, anything computed only from those) and folded, or an ONNX value. `shape` is
 * always TensorFlow's (NHWC for images), and static: the batch is 1.
 */
export type Value = Constant | Tensor;

export interface Constant {
  readonly kind: 'constant';
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface Tensor {
  readonly kind: 'tensor';
  readonly name: string;
  readonly shape: readonly number[];
  /**
   * The ONNX value holds this NHWC tensor transposed to NCHW, the layout ONNX's Conv,
   * pooling and resizing work in. Images stay that way from the input to the first op
   * that depends on the element order (Reshape, say), so there is no transpose per layer.
   */
  readonly channelsFirst: boolean;
}

export const nhwcToNchw = [0, 3, 1, 2] as const;
const nchwToNhwc = [0, 2, 3, 1] as const;

export function constant(shape: readonly number[], data: Float32Array): Constant {
  if (data.length !== elementCount(shape)) throw new Error(`${data.length} values do not fit [${shape.join(', ')}]`);
  return { kind: 'constant', shape, data };
}

export function tensor(name: string, shape: readonly number[], channelsFirst: boolean): Tensor {
  if (channelsFirst && shape.length !== 4) throw new Error(`only 4-d tensors can be channels-first, not [${shape.join(', ')}]`);
  return { kind: 'tensor', name, shape, channelsFirst };
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, side) => product * side, 1);
}

/** The ONNX name of a 4-d value laid out NCHW. */
export function channelsFirst(graph: OnnxGraph, value: Value): string {
  if (value.shape.length !== 4) throw new Error(`expected a 4-d tensor, got [${value.shape.join(', ')}]`);
  if (value.kind === 'constant') {
    const transposed = transpose(value, nhwcToNchw);
    return graph.floats(transposed.shape, transposed.data);
  }
  return value.channelsFirst ? value.name : graph.node('Transpose', [value.name], { perm: nhwcToNchw });
}

/** The ONNX name of a value in TensorFlow's element order. */
export function tfOrder(graph: OnnxGraph, value: Value): string {
  if (value.kind === 'constant') return graph.floats(value.shape, value.data);
  return value.channelsFirst ? graph.node('Transpose', [value.name], { perm: nchwToNhwc }) : value.name;
}

/**
 * An operand of an elementwise op whose other operand is channels-first: TensorFlow
 * broadcasts from the last axis (a PReLU alpha of [1, 1, C] is per channel), so the
 * shape is widened to 4-d first, then moved to NCHW ([1, C, 1, 1]).
 */
export function broadcastChannelsFirst(graph: OnnxGraph, value: Value): string {
  if (value.kind === 'tensor') {
    if (value.shape.length !== 4) throw new Error(`cannot broadcast a ${value.shape.length}-d tensor against a channels-first one`);
    return channelsFirst(graph, value);
  }
  const widened = constant([...Array<number>(4 - value.shape.length).fill(1), ...value.shape], value.data);
  return channelsFirst(graph, widened);
}

export function transpose(value: Constant, perm: readonly number[]): Constant {
  const shape = perm.map((axis) => value.shape[axis]!);
  const strides = value.shape.map((_, axis) => elementCount(value.shape.slice(axis + 1)));
  const data = new Float32Array(value.data.length);
  const index = new Array<number>(shape.length).fill(0);
  for (let out = 0; out < data.length; out++) {
    let from = 0;
    for (let axis = 0; axis < shape.length; axis++) from += index[axis]! * strides[perm[axis]!]!;
    data[out] = value.data[from]!;
    // Advance the output index like an odometer, last axis fastest.
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      index[axis]! += 1;
      if (index[axis]! < shape[axis]!) break;
      index[axis] = 0;
    }
  }
  return constant(shape, data);
}

/** NumPy-style broadcasting of two shapes, as TensorFlow's elementwise ops do. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, axis) => {
    const x = a[axis - rank + a.length] ?? 1;
    const y = b[axis - rank + b.length] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    return x === 1 ? y : x;
  });
}
