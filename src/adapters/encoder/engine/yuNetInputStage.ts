import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;

/**
 * YuNet's graph with an input stage in front, so no pixel passes through a JavaScript
 * loop (one that read the photo into BGR planes took a fifth of an engine thread). The
 * stage takes the decoded photo as it is, uint8 RGB [1, H, W, 3] (`image`), cuts the
 * region `start` to `end` ([top, left], [bottom, right]) from it, pads it with zeros by
 * `pads` ([0, 0, 0, 0, 0, bottom, right, 0]: to multiples of 32, at the right and bottom)
 * and hands YuNet what its contract asks: float32 BGR planes, 0-255 as they are.
 */
export function withInputStage(model: Uint8Array): Uint8Array {
  const decoded = onnx.ModelProto.decode(model);
  const graph = decoded.graph!;
  const yuNetInput = graph.input![0]!.name!;
  const int64s = (name: string, values: readonly number[]): onnxProto.onnx.ITensorProto => ({
    name,
    dims: [values.length],
    dataType: DataType.INT64,
    rawData: new Uint8Array(BigInt64Array.from(values, BigInt).buffer),
  });
  graph.initializer!.push(int64s('stage/axes', [1, 2]), int64s('stage/bgr', [2, 1, 0]));
  const node = (opType: string, input: string[], output: string, attribute: onnxProto.onnx.IAttributeProto[] = []) => ({ name: output, opType, input, output: [output], attribute });
  const { AttributeType } = onnx.AttributeProto;
  graph.node = [
    node('Slice', ['image', 'start', 'end', 'stage/axes'], 'stage/region'),
    node('Cast', ['stage/region'], 'stage/float', [{ name: 'to', type: AttributeType.INT, i: DataType.FLOAT }]),
    node('Pad', ['stage/float', 'pads'], 'stage/padded'),
    node('Transpose', ['stage/padded'], 'stage/planes', [{ name: 'perm', type: AttributeType.INTS, ints: [0, 3, 1, 2] }]),
    node('Gather', ['stage/planes', 'stage/bgr'], yuNetInput, [{ name: 'axis', type: AttributeType.INT, i: 1 }]),
    ...graph.node!,
  ];
  const tensor = (name: string, elemType: number, dims: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((side) => (typeof side === 'number' ? { dimValue: side } : { dimParam: side })) } } },
  });
  graph.input = [tensor('image', DataType.UINT8, [1, 'height', 'width', 3]), tensor('start', DataType.INT64, [2]), tensor('end', DataType.INT64, [2]), tensor('pads', DataType.INT64, [8])];
  return onnx.ModelProto.encode(decoded).finish();
}
