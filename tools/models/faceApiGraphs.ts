import { fileURLToPath } from 'node:url';
import { OnnxGraph } from './OnnxGraph.ts';
import { chipInput } from './chipInput.ts';
import { addImageStatistics } from './imageStatistics.ts';
import { convFilter, depthwiseFilter, readFaceApiWeights, type Filter, type Weight } from './tfjsWeights.ts';

/**
 * face-api's landmark and descriptor networks as ONNX graphs, layer for layer as
 * face-api runs them (src/faceFeatureExtractor + src/faceLandmarkNet,
 * src/faceRecognitionNet in @vladmandic/face-api), with face-api's own weights. Each
 * starts with `chipInput`: the face's chip, cut from the photo and read upright.
 */
export function faceApiLandmarks(): Uint8Array {
  return landmarks68(readFaceApiWeights(modelFolder(), 'face_landmark_68_model'));
}

export function faceApiDescriptor(): Uint8Array {
  return recognition(readFaceApiWeights(modelFolder(), 'face_recognition_model'));
}

const networkSides = { landmarks: 112, descriptor: 150 };

/** Where face-api keeps the weights it ships: the one source of these networks. */
function modelFolder(): string {
  return fileURLToPath(new URL('./model/', import.meta.resolve('@vladmandic/face-api/package.json')));
}

/** face-api's mean RGB of its landmark and recognition training sets. */
const meanRgb = [122.782, 117.001, 104.298];

/** The chip, normalised as face-api normalises its input; `measure` may also read the chip as it is. */
function inputStage(graph: OnnxGraph, side: number, measure?: (rgb: string) => void): string {
  return chipInput(graph, side, (x) => {
    measure?.(x);
    return graph.node('Div', [graph.node('Sub', [x, graph.floats([1, 3, 1, 1], meanRgb)]), graph.scalar(255)]);
  });
}

function weight(weights: Map<string, Weight>, name: string): Weight {
  const found = weights.get(name);
  if (!found) throw new Error(`face-api weights lack ${name}`);
  return found;
}

interface ConvOptions {
  readonly stride?: number;
  /** tf's 'same' padding (extra padding after, like ONNX SAME_UPPER); otherwise 'valid'. */
  readonly same: boolean;
  readonly bias?: Float32Array;
  /** A per-channel affine after the convolution (batch norm, face-api's scale layer), folded into it. */
  readonly affine?: { readonly scale: Float32Array; readonly shift: Float32Array };
}

function conv(graph: OnnxGraph, x: string, filter: Filter, options: ConvOptions, group = 1): string {
  const outputs = filter.dims[0];
  const perOutput = filter.data.length / outputs;
  const weights = Float32Array.from(filter.data);
  const bias = options.bias ? Float32Array.from(options.bias) : new Float32Array(outputs);
  if (options.affine) {
    const { scale, shift } = options.affine;
    for (let o = 0; o < outputs; o++) {
      for (let k = 0; k < perOutput; k++) weights[o * perOutput + k]! *= scale[o]!;
      bias[o] = bias[o]! * scale[o]! + shift[o]!;
    }
  }
  const stride = options.stride ?? 1;
  return graph.node('Conv', [x, graph.floats(filter.dims, weights), graph.floats([outputs], bias)], {
    kernel_shape: [filter.dims[2], filter.dims[3]],
    strides: [stride, stride],
    group,
    ...(options.same ? { auto_pad: 'SAME_UPPER' } : { pads: [0, 0, 0, 0] }),
  });
}

function depthwiseConv(graph: OnnxGraph, x: string, filter: Filter, options: ConvOptions): string {
  return conv(graph, x, filter, options, filter.dims[0]);
}

// ---- 68-point landmarks: four dense blocks, average pool, fully connected ----

function landmarks68(weights: Map<string, Weight>): Uint8Array {
  const graph = new OnnxGraph();
  const get = (name: string) => weight(weights, name);
  const relu = (x: string) => graph.node('Relu', [x]);
  const add = (a: string, b: string) => graph.node('Add', [a, b]);
  const separable = (x: string, prefix: string, stride: number) => {
    const depthwise = depthwiseConv(graph, x, depthwiseFilter(get(`${prefix}/depthwise_filter`)), { stride, same: true });
    return conv(graph, depthwise, convFilter(get(`${prefix}/pointwise_filter`)), { same: true, bias: get(`${prefix}/bias`).data });
  };
  const denseBlock = (x: string, prefix: string, first: boolean) => {
    const out1 = relu(first
      ? conv(graph, x, convFilter(get(`${prefix}/conv0/filters`)), { stride: 2, same: true, bias: get(`${prefix}/conv0/bias`).data })
      : separable(x, `${prefix}/conv0`, 2));
    const out2 = separable(out1, `${prefix}/conv1`, 1);
    const out3 = separable(relu(add(out1, out2)), `${prefix}/conv2`, 1);
    const out4 = separable(relu(add(out1, add(out2, out3))), `${prefix}/conv3`, 1);
    return relu(add(out1, add(out2, add(out3, out4))));
  };

  let x = inputStage(graph, networkSides.landmarks);
  for (const [index, prefix] of ['dense0', 'dense1', 'dense2', 'dense3'].entries()) x = denseBlock(x, prefix, index === 0);
  x = graph.node('Flatten', [graph.node('AveragePool', [x], { kernel_shape: [7, 7], strides: [2, 2], pads: [0, 0, 0, 0] })], { axis: 1 });
  const fcWeights = get('fc/weights');
  const fcBias = get('fc/bias');
  const out = add(graph.node('MatMul', [x, graph.floats(fcWeights.shape, fcWeights.data)]), graph.floats(fcBias.shape, fcBias.data));
  graph.output('landmarks', out, [1, 136]);
  return graph.encode('face_landmark_68');
}

// ---- the 128-number descriptor: a ResNet-34-like network ----

function recognition(weights: Map<string, Weight>): Uint8Array {
  const graph = new OnnxGraph();
  const get = (name: string) => weight(weights, name);
  let side = networkSides.descriptor;
  const layer = (x: string, prefix: string, stride: number, same: boolean, withRelu: boolean) => {
    const out = conv(graph, x, convFilter(get(`${prefix}/conv/filters`)), {
      stride,
      same,
      bias: get(`${prefix}/conv/bias`).data,
      affine: { scale: get(`${prefix}/scale/weights`).data, shift: get(`${prefix}/scale/biases`).data },
    });
    return withRelu ? graph.node('Relu', [out]) : out;
  };
  const residual = (x: string, prefix: string) =>
    graph.node('Relu', [graph.node('Add', [layer(layer(x, `${prefix}/conv1`, 1, true, true), `${prefix}/conv2`, 1, true, false), x])]);
  const residualDown = (x: string, prefix: string, channelsIn: number) => {
    let out = layer(layer(x, `${prefix}/conv1`, 2, false, true), `${prefix}/conv2`, 1, true, false);
    const channelsOut = get(`${prefix}/conv2/conv/filters`).shape[3]!;
    const convSide = Math.floor((side - 3) / 2) + 1;
    const poolSide = Math.floor((side - 2) / 2) + 1;
    let pooled = graph.node('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] });
    // face-api appends a zero row and column when the pooled side is one longer, and zero channels.
    if (poolSide !== convSide) {
      const grow = poolSide - convSide;
      out = graph.node('Pad', [out, graph.int64s([0, 0, 0, 0, 0, 0, grow, grow])], { mode: 'constant' });
    }
    if (channelsIn !== channelsOut) {
      pooled = graph.node('Pad', [pooled, graph.int64s([0, 0, 0, 0, 0, channelsOut - channelsIn, 0, 0])], { mode: 'constant' });
    }
    side = poolSide;
    return graph.node('Relu', [graph.node('Add', [pooled, out])]);
  };

  // The chip's brightness and detail come from the same run, for the quality verdict.
  let x = layer(inputStage(graph, side, (rgb) => addImageStatistics(graph, rgb)), 'conv32_down', 2, false, true);
  side = Math.floor((side - 7) / 2) + 1;
  x = graph.node('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 0, 0] });
  side = Math.floor((side - 3) / 2) + 1;
  for (const prefix of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(x, prefix);
  x = residualDown(x, 'conv64_down', 32);
  for (const prefix of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(x, prefix);
  x = residualDown(x, 'conv128_down', 64);
  for (const prefix of ['conv128_1', 'conv128_2']) x = residual(x, prefix);
  x = residualDown(x, 'conv256_down', 128);
  for (const prefix of ['conv256_1', 'conv256_2']) x = residual(x, prefix);
  x = residualDown(x, 'conv256_down_out', 256);
  x = graph.node('ReduceMean', [x], { axes: [2, 3], keepdims: 0 });
  const fc = get('fc');
  graph.output('descriptor', graph.node('MatMul', [x, graph.floats(fc.shape, fc.data)]), [1, 128]);
  return graph.encode('face_recognition');
}
