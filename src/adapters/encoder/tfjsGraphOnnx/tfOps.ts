import type { OnnxGraph } from '../onnx/OnnxGraph.ts';
import { convFilter, depthwiseFilter, type Weight } from '../onnx/tfjsWeights.ts';
import { intListAttr, optionalStringAttr, stringAttr, stringListAttr, type TfNode } from './tfjsGraphModel.ts';
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
 * ONNX that computes the same. Only ops FaceMesh uses are here; any other op is
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
  MaxPool: maxPool,
  Pad: pad,
  AddV2: (node, inputs, { graph }) => elementwise(node, inputs, graph, 'Add'),
  Sigmoid: (node, [x], { graph }) => unary(node, x!, graph, 'Sigmoid'),
  Prelu: (node, [x, alpha], { graph }) => {
    const input = asTensor(node, x!);
    return tensor(preluNode(graph, input, asConstant(node, alpha!)), input.shape, input.channelsFirst);
  },
  Reshape: reshape,
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

/** Zeros around any axis; FaceMesh pads channels to match a residual branch. */
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

/** Reshape works on TensorFlow's element order, so a channels-first input goes back to NHWC first. */
function reshape(node: TfNode, [x, shapeValue]: readonly Value[], { graph }: OpContext): Value {
  const requested = Array.from(asConstant(node, shapeValue!).data);
  const known = elementCount(requested.filter((side) => side !== -1));
  const shape = requested.map((side) => (side === -1 ? elementCount(x!.shape) / known : side));
  if (elementCount(shape) !== elementCount(x!.shape)) throw new Error(`${node.op} ${node.name}: [${x!.shape.join(', ')}] cannot become [${requested.join(', ')}]`);
  if (x!.kind === 'constant') return constant(shape, x!.data);
  return tensor(graph.node('Reshape', [tfOrder(graph, x!), graph.int64s(shape)]), shape, false);
}
