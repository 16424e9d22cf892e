import type { OnnxGraph } from '../onnx/OnnxGraph.ts';
import { convFilter, depthwiseFilter, type Weight } from '../onnx/tfjsWeights.ts';
import { boolAttr, intAttr, intListAttr, optionalStringAttr, stringAttr, stringListAttr, type TfNode } from './tfjsGraphModel.ts';
import {
  broadcastChannelsFirst,
  broadcastShape,
  channelsFirst,
  constant,
  elementCount,
  nhwcToNchw,
  tensor,
  tfOrder,
  type Constant,
  type Tensor,
  type Value,
} from './tfValues.ts';

export interface OpContext {
  readonly graph: OnnxGraph;
  readonly weights: ReadonlyMap<string, Weight>;
}

type Translation = (node: TfNode, inputs: readonly Value[], context: OpContext) => Value;

/**
 * TensorFlow ops (as the tfjs converter leaves them: fused convolutions, NHWC) and the
 * ONNX that computes the same. Only ops the face models use are here; any other op is
 * refused by name rather than guessed at.
 */
export const translations: Readonly<Record<string, Translation>> = {
  Const: (node, _, { weights }) => {
    const weight = weights.get(node.name);
    if (!weight) throw new Error(`the weights manifest lacks the constant ${node.name}`);
    return constant(weight.shape, weight.data);
  },
  Identity: (_, [x]) => x!,
  _FusedConv2D: (node, inputs, context) => convolution(node, inputs, context, false),
  DepthwiseConv2dNative: (node, inputs, context) => convolution(node, inputs, context, true),
  FusedDepthwiseConv2dNative: (node, inputs, context) => convolution(node, inputs, context, true),
  MaxPool: maxPool,
  Pad: pad,
  AddV2: (node, inputs, { graph }) => elementwise(node, inputs, graph, 'Add'),
  Relu: (node, [x], { graph }) => unary(node, x!, graph, 'Relu'),
  Sigmoid: (node, [x], { graph }) => unary(node, x!, graph, 'Sigmoid'),
  Prelu: (node, [x, alpha], { graph }) => {
    const input = asTensor(node, x!);
    return tensor(preluNode(graph, input, asConstant(node, alpha!)), input.shape, input.channelsFirst);
  },
  ResizeBilinear: resizeBilinear,
  DepthToSpace: depthToSpace,
  Reshape: reshape,
  ConcatV2: concat,
  Shape: (node, [x]) => constant([x!.shape.length], Float32Array.from(x!.shape)),
  StridedSlice: stridedSlice,
  Pack: pack,
};

function asConstant(node: TfNode, value: Value): Constant {
  if (value.kind !== 'constant') throw new Error(`${node.op} ${node.name}: this input must be known before running the graph`);
  return value;
}

function asTensor(node: TfNode, value: Value): Tensor {
  if (value.kind !== 'tensor') throw new Error(`${node.op} ${node.name}: folding this op on constants is not supported`);
  return value;
}

function requireNhwc(node: TfNode): void {
  const format = optionalStringAttr(node, 'data_format') ?? 'NHWC';
  if (format !== 'NHWC') throw new Error(`${node.op} ${node.name}: data format ${format} is not supported`);
}

function unary(node: TfNode, x: Value, graph: OnnxGraph, op: string): Tensor {
  const input = asTensor(node, x);
  return tensor(graph.node(op, [input.name]), input.shape, input.channelsFirst);
}

function preluNode(graph: OnnxGraph, x: Tensor, alpha: Constant): string {
  return graph.node('PRelu', [x.name, x.channelsFirst ? broadcastChannelsFirst(graph, alpha) : tfOrder(graph, alpha)]);
}

/** Binary ops broadcast in NCHW when either operand is channels-first, else as TensorFlow has them. */
function elementwise(node: TfNode, [a, b]: readonly Value[], graph: OnnxGraph, op: string): Tensor {
  const shape = broadcastShape(a!.shape, b!.shape);
  const inChannelsFirst = [a!, b!].some((value) => value.kind === 'tensor' && value.channelsFirst);
  if (a!.kind === 'constant' && b!.kind === 'constant') throw new Error(`${node.op} ${node.name}: folding this op on constants is not supported`);
  const operand = (value: Value) => (inChannelsFirst ? broadcastChannelsFirst(graph, value) : tfOrder(graph, value));
  return tensor(graph.node(op, [operand(a!), operand(b!)]), shape, inChannelsFirst);
}

// ---- convolution and pooling ----

interface Window {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
}

/**
 * ONNX pads ([top, left, bottom, right]) and the output side for TensorFlow's padding.
 * 'SAME' puts the odd pixel after, as ONNX's SAME_UPPER; written out because the shapes
 * are known, which also covers 'EXPLICIT' ([n, n, top, bottom, left, right, c, c]).
 */
function windowPads(node: TfNode, input: readonly number[], window: Window): { pads: number[]; out: [number, number] } {
  const padding = stringAttr(node, 'padding');
  const explicit = intListAttr(node, 'explicit_paddings');
  const along = (axis: 0 | 1) => {
    const size = input[axis + 1]!;
    const span = (window.kernel[axis] - 1) * window.dilations[axis] + 1;
    const stride = window.strides[axis];
    let before = 0;
    let after = 0;
    if (padding === 'SAME') {
      const total = Math.max((Math.ceil(size / stride) - 1) * stride + span - size, 0);
      before = Math.floor(total / 2);
      after = total - before;
    } else if (padding === 'EXPLICIT') {
      before = explicit[2 + axis * 2]!;
      after = explicit[3 + axis * 2]!;
    } else if (padding !== 'VALID') {
      throw new Error(`${node.op} ${node.name}: padding ${padding} is not supported`);
    }
    return { before, after, out: Math.floor((size + before + after - span) / stride) + 1 };
  };
  const [rows, columns] = [along(0), along(1)];
  return { pads: [rows.before, columns.before, rows.after, columns.after], out: [rows.out, columns.out] };
}

/** The height and width entries of an NHWC attribute such as strides ([1, h, w, 1]). */
function spatial(node: TfNode, name: string): [number, number] {
  const values = intListAttr(node, name);
  return values.length === 4 ? [values[1]!, values[2]!] : [1, 1];
}

/**
 * Conv2D and DepthwiseConv2dNative, with the activations the tfjs converter fuses into
 * them: `fused_ops` is BiasAdd then at most one of Relu or Prelu, their operands after
 * the filter in that order.
 */
function convolution(node: TfNode, [x, filterValue, ...args]: readonly Value[], { graph }: OpContext, depthwise: boolean): Tensor {
  requireNhwc(node);
  const input = asTensor(node, x!);
  const weight = asConstant(node, filterValue!);
  const filter = depthwise ? depthwiseFilter(weight) : convFilter(weight);
  const outputs = filter.dims[0];
  const window: Window = { kernel: [filter.dims[2], filter.dims[3]], strides: spatial(node, 'strides'), dilations: spatial(node, 'dilations') };
  const { pads, out } = windowPads(node, input.shape, window);

  const [bias, activation, ...unsupported] = stringListAttr(node, 'fused_ops');
  if ((bias !== undefined && bias !== 'BiasAdd') || unsupported.length > 0) {
    throw new Error(`${node.op} ${node.name}: fused ops ${stringListAttr(node, 'fused_ops').join(', ')} are not supported`);
  }
  const biasData = bias ? asConstant(node, args[0]!).data : new Float32Array(outputs);
  let result = graph.node('Conv', [channelsFirst(graph, input), graph.floats(filter.dims, filter.data), graph.floats([outputs], biasData)], {
    kernel_shape: window.kernel,
    strides: window.strides,
    dilations: window.dilations,
    pads,
    group: depthwise ? input.shape[3]! : 1,
  });
  const shape = [input.shape[0]!, out[0], out[1], outputs];
  if (activation === 'Relu') result = graph.node('Relu', [result]);
  else if (activation === 'Prelu') result = preluNode(graph, tensor(result, shape, true), asConstant(node, args[1]!));
  else if (activation !== undefined) throw new Error(`${node.op} ${node.name}: fused activation ${activation} is not supported`);
  return tensor(result, shape, true);
}

/** ONNX MaxPool leaves padding out of the maximum, as TensorFlow's 'SAME' does. */
function maxPool(node: TfNode, [x]: readonly Value[], { graph }: OpContext): Tensor {
  requireNhwc(node);
  const input = asTensor(node, x!);
  const window: Window = { kernel: spatial(node, 'ksize'), strides: spatial(node, 'strides'), dilations: [1, 1] };
  const { pads, out } = windowPads(node, input.shape, window);
  const result = graph.node('MaxPool', [channelsFirst(graph, input)], { kernel_shape: window.kernel, strides: window.strides, pads });
  return tensor(result, [input.shape[0]!, out[0], out[1], input.shape[3]!], true);
}

// ---- shape-changing ops ----

/** Zeros around any axis; BlazeFace and FaceMesh pad channels to match a residual branch. */
function pad(node: TfNode, [x, paddingsValue]: readonly Value[], { graph }: OpContext): Tensor {
  const input = asTensor(node, x!);
  const paddings = asConstant(node, paddingsValue!).data;
  if (paddings.length !== input.shape.length * 2) throw new Error(`${node.op} ${node.name}: paddings do not fit the input`);
  // TensorFlow's paddings are [before, after] per axis; ONNX's all befores, then all afters.
  const order = input.channelsFirst ? nhwcToNchw : input.shape.map((_, axis) => axis);
  const pads = [...order.map((axis) => paddings[axis * 2]!), ...order.map((axis) => paddings[axis * 2 + 1]!)];
  const shape = input.shape.map((side, axis) => side + paddings[axis * 2]! + paddings[axis * 2 + 1]!);
  const padded = graph.node('Pad', [input.channelsFirst ? input.name : tfOrder(graph, input), graph.int64s(pads)], { mode: 'constant' });
  return tensor(padded, shape, input.channelsFirst);
}

/** tf.image.resize_bilinear's two flags name ONNX Resize's coordinate modes. */
function resizeBilinear(node: TfNode, [x, sizeValue]: readonly Value[], { graph }: OpContext): Tensor {
  const input = asTensor(node, x!);
  const [height, width] = Array.from(asConstant(node, sizeValue!).data) as [number, number];
  const mode = boolAttr(node, 'align_corners') ? 'align_corners' : boolAttr(node, 'half_pixel_centers') ? 'half_pixel' : 'asymmetric';
  const sizes = graph.int64s([input.shape[0]!, input.shape[3]!, height, width]);
  const resized = graph.node('Resize', [channelsFirst(graph, input), '', '', sizes], { mode: 'linear', coordinate_transformation_mode: mode });
  return tensor(resized, [input.shape[0]!, height, width, input.shape[3]!], true);
}

/** TensorFlow's DepthToSpace orders depth as (row, column, channel): ONNX's 'DCR' mode. */
function depthToSpace(node: TfNode, [x]: readonly Value[], { graph }: OpContext): Tensor {
  requireNhwc(node);
  const input = asTensor(node, x!);
  const block = intAttr(node, 'block_size');
  const [batch, height, width, depth] = input.shape as [number, number, number, number];
  const result = graph.node('DepthToSpace', [channelsFirst(graph, input)], { blocksize: block, mode: 'DCR' });
  return tensor(result, [batch, height * block, width * block, depth / (block * block)], true);
}

/** Reshape works on TensorFlow's element order, so a channels-first input goes back to NHWC first. */
function reshape(node: TfNode, [x, shapeValue]: readonly Value[], { graph }: OpContext): Value {
  const requested = Array.from(asConstant(node, shapeValue!).data);
  const known = elementCount(requested.filter((side) => side !== -1));
  const shape = requested.map((side) => (side === -1 ? elementCount(x!.shape) / known : side));
  if (elementCount(shape) !== elementCount(x!.shape)) throw new Error(`${node.op} ${node.name}: [${x!.shape.join(', ')}] cannot become [${requested.join(', ')}]`);
  if (x!.kind === 'constant') return constant(shape, x!.data);
  return tensor(graph.node('Reshape', [tfOrder(graph, x!), graph.int64s(shape)]), shape, false);
}

function concat(node: TfNode, inputs: readonly Value[], { graph }: OpContext): Tensor {
  const parts = inputs.slice(0, -1);
  const rank = parts[0]!.shape.length;
  const axisValue = asConstant(node, inputs.at(-1)!).data[0]!;
  const axis = axisValue < 0 ? axisValue + rank : axisValue;
  const shape = parts[0]!.shape.map((side, index) => (index === axis ? parts.reduce((sum, part) => sum + part.shape[axis]!, 0) : side));
  const allChannelsFirst = parts.every((part) => part.kind === 'tensor' && part.channelsFirst);
  const names = parts.map((part) => (allChannelsFirst ? channelsFirst(graph, part) : tfOrder(graph, part)));
  const onnxAxis = allChannelsFirst ? nhwcToNchw.indexOf(axis as 0 | 1 | 2 | 3) : axis;
  return tensor(graph.node('Concat', names, { axis: onnxAxis }), shape, allChannelsFirst);
}

// ---- shape arithmetic, folded: every shape is static here ----

/** tf.strided_slice of a known 1-d tensor (such as a Shape), the only use the converter leaves. */
function stridedSlice(node: TfNode, [x, beginValue, endValue, stridesValue]: readonly Value[]): Constant {
  const input = asConstant(node, x!);
  if (input.shape.length !== 1 || intAttr(node, 'ellipsis_mask') !== 0 || intAttr(node, 'new_axis_mask') !== 0) {
    throw new Error(`${node.op} ${node.name}: only plain slices of 1-d constants are supported`);
  }
  const length = input.shape[0]!;
  const stride = asConstant(node, stridesValue!).data[0]!;
  const clampIndex = (index: number) => Math.min(Math.max(index < 0 ? index + length : index, stride > 0 ? 0 : -1), stride > 0 ? length : length - 1);
  const begin = intAttr(node, 'begin_mask') & 1 ? (stride > 0 ? 0 : length - 1) : clampIndex(asConstant(node, beginValue!).data[0]!);
  if (intAttr(node, 'shrink_axis_mask') & 1) return constant([], Float32Array.of(input.data[begin]!));
  const end = intAttr(node, 'end_mask') & 1 ? (stride > 0 ? length : -1) : clampIndex(asConstant(node, endValue!).data[0]!);
  const picked: number[] = [];
  for (let index = begin; stride > 0 ? index < end : index > end; index += stride) picked.push(input.data[index]!);
  return constant([picked.length], Float32Array.from(picked));
}

/** tf.stack of known values along the first axis, as the converter builds Reshape shapes. */
function pack(node: TfNode, inputs: readonly Value[]): Constant {
  if (intAttr(node, 'axis') !== 0) throw new Error(`${node.op} ${node.name}: only axis 0 is supported`);
  const parts = inputs.map((input) => asConstant(node, input));
  const data = new Float32Array(parts.reduce((sum, part) => sum + part.data.length, 0));
  let offset = 0;
  for (const part of parts) {
    data.set(part.data, offset);
    offset += part.data.length;
  }
  return constant([parts.length, ...parts[0]!.shape], data);
}
