import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

/**
 * YuNet's graph with an input stage in front, so no pixel passes through a JavaScript
 * loop (one that read the photo into BGR planes took a fifth of an engine thread). The
 * stage takes the decoded photo as it is, uint8 RGB [1, H, W, 3] (`image`), cuts the
 * region `start` to `end` ([top, left], [bottom, right]) from it, pads it with zeros by
 * `pads` ([0, 0, 0, 0, 0, bottom, right, 0]: to multiples of 32, at the right and bottom)
 * and hands YuNet what its contract asks: float32 BGR planes, 0-255 as they are.
 */
export function withInputStage(model: Uint8Array): Uint8Array {
  return withStage(model, (yuNetInput) => ({
    inputs: [tensor('image', DataType.UINT8, [1, 'height', 'width', 3]), tensor('start', DataType.INT64, [2]), tensor('end', DataType.INT64, [2]), tensor('pads', DataType.INT64, [8])],
    initializers: [int64s('stage/axes', [1, 2]), int64s('stage/bgr', [2, 1, 0])],
    nodes: [
      node('Slice', ['image', 'start', 'end', 'stage/axes'], 'stage/region'),
      node('Cast', ['stage/region'], 'stage/float', [{ name: 'to', type: AttributeType.INT, i: DataType.FLOAT }]),
      node('Pad', ['stage/float', 'pads'], 'stage/padded'),
      node('Transpose', ['stage/padded'], 'stage/planes', [{ name: 'perm', type: AttributeType.INTS, ints: [0, 3, 1, 2] }]),
      node('Gather', ['stage/planes', 'stage/bgr'], yuNetInput, [{ name: 'axis', type: AttributeType.INT, i: 1 }]),
    ],
  }));
}

/**
 * YuNet's graph reading one view four ways in one run: `view`, uint8 RGB [1, S, S, 3]
 * (S a multiple of 32), as it is and turned a quarter, a half and three quarters
 * clockwise (exact pixel turns), as a batch of four. The view stays inside onnxruntime:
 * handed to JavaScript and back as float planes, it cost a fresh 442 KB buffer a face.
 */
export function withQuarterTurnsStage(model: Uint8Array): Uint8Array {
  // Reversing an axis: a Slice from its end back past its start, step -1.
  const reversed = (input: string, axis: number, output: string) =>
    node('Slice', [input, 'stage/last', 'stage/beforeFirst', `stage/axis${axis}`, 'stage/back'], output);
  return withStage(model, (yuNetInput) => ({
    inputs: [tensor('view', DataType.UINT8, [1, 'side', 'side', 3])],
    initializers: [int64s('stage/bgr', [2, 1, 0]), int64s('stage/last', [-1]), int64s('stage/beforeFirst', [-(2 ** 53)]), int64s('stage/axis2', [2]), int64s('stage/axis3', [3]), int64s('stage/back', [-1])],
    nodes: [
      node('Cast', ['view'], 'stage/float', [{ name: 'to', type: AttributeType.INT, i: DataType.FLOAT }]),
      node('Transpose', ['stage/float'], 'stage/planes', [{ name: 'perm', type: AttributeType.INTS, ints: [0, 3, 1, 2] }]),
      node('Gather', ['stage/planes', 'stage/bgr'], 'stage/upright', [{ name: 'axis', type: AttributeType.INT, i: 1 }]),
      node('Transpose', ['stage/upright'], 'stage/transposed', [{ name: 'perm', type: AttributeType.INTS, ints: [0, 1, 3, 2] }]),
      // Clockwise on screen: a quarter is the transpose read right to left; three quarters, bottom to top.
      reversed('stage/transposed', 3, 'stage/quarter'),
      reversed('stage/upright', 2, 'stage/flipped'),
      reversed('stage/flipped', 3, 'stage/half'),
      reversed('stage/transposed', 2, 'stage/threeQuarters'),
      node('Concat', ['stage/upright', 'stage/quarter', 'stage/half', 'stage/threeQuarters'], yuNetInput, [{ name: 'axis', type: AttributeType.INT, i: 0 }]),
    ],
  }));
}

interface Stage {
  readonly inputs: onnxProto.onnx.IValueInfoProto[];
  readonly initializers: onnxProto.onnx.ITensorProto[];
  readonly nodes: onnxProto.onnx.INodeProto[];
}

/** YuNet's graph with `stage` in front of it: the stage's last node gives YuNet's input, and the stage's inputs are the graph's. */
function withStage(model: Uint8Array, stage: (yuNetInput: string) => Stage): Uint8Array {
  const decoded = onnx.ModelProto.decode(model);
  const graph = decoded.graph!;
  const { inputs, initializers, nodes } = stage(graph.input![0]!.name!);
  graph.initializer!.push(...initializers);
  graph.node = [...nodes, ...graph.node!];
  graph.input = inputs;
  return onnx.ModelProto.encode(decoded).finish();
}

function int64s(name: string, values: readonly number[]): onnxProto.onnx.ITensorProto {
  return { name, dims: [values.length], dataType: DataType.INT64, rawData: new Uint8Array(BigInt64Array.from(values, BigInt).buffer) };
}

function node(opType: string, input: string[], output: string, attribute: onnxProto.onnx.IAttributeProto[] = []): onnxProto.onnx.INodeProto {
  return { name: output, opType, input, output: [output], attribute };
}

function tensor(name: string, elemType: number, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((side) => (typeof side === 'number' ? { dimValue: side } : { dimParam: side })) } } } };
}
