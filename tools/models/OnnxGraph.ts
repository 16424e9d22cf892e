import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

type AttributeValue = number | string | readonly number[] | { readonly float: number };
type ElementType = 'float' | 'uint8' | 'int64';

const elementTypes: Record<ElementType, number> = {
  float: onnx.TensorProto.DataType.FLOAT,
  uint8: onnx.TensorProto.DataType.UINT8,
  int64: onnx.TensorProto.DataType.INT64,
};

/**
 * Builds one ONNX graph node by node, with weights as initializers. Values are
 * referred to by name; `node()` returns the name of its (first) output.
 */
export class OnnxGraph {
  readonly #nodes: onnxProto.onnx.INodeProto[] = [];
  readonly #initializers: onnxProto.onnx.ITensorProto[] = [];
  readonly #inputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly #outputs: onnxProto.onnx.IValueInfoProto[] = [];
  #counter = 0;

  input(name: string, type: ElementType, dims: readonly (number | string)[]): string {
    this.#inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Makes `value` an output of the graph, under `name`. */
  output(name: string, value: string, dims: readonly (number | string)[], type: ElementType = 'float'): void {
    this.#nodes.push({ name: this.#name('Identity'), opType: 'Identity', input: [value], output: [name] });
    this.#outputs.push(valueInfo(name, type, dims));
  }

  floats(dims: readonly number[], data: Float32Array | readonly number[]): string {
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    if (values.length !== dims.reduce((product, side) => product * side, 1)) {
      throw new Error(`initializer of ${values.length} values does not fit [${dims.join(', ')}]`);
    }
    return this.#initializer('float', dims, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }

  scalar(value: number): string {
    return this.floats([], [value]);
  }

  int64s(values: readonly number[]): string {
    const data = BigInt64Array.from(values, BigInt);
    return this.#initializer('int64', [values.length], new Uint8Array(data.buffer));
  }

  node(op: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.nodeWithOutputs(op, inputs, attributes, 1)[0]!;
  }

  nodeWithOutputs(op: string, inputs: readonly string[], attributes: Record<string, AttributeValue>, outputCount: number): string[] {
    const name = this.#name(op);
    const output = Array.from({ length: outputCount }, (_, index) => `${name}:${index}`);
    this.#nodes.push({ name, opType: op, input: [...inputs], output, attribute: Object.entries(attributes).map(attribute) });
    return output;
  }

  /** The serialized model, for `InferenceSession.create` or a file. */
  encode(graphName: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 7,
      producerName: 'face-sessions',
      // 16 for GridSample (chipInput.ts).
      opsetImport: [{ domain: '', version: 16 }],
      graph: {
        name: graphName,
        node: this.#nodes,
        initializer: this.#initializers,
        input: this.#inputs,
        output: this.#outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  #initializer(type: ElementType, dims: readonly number[], rawData: Uint8Array): string {
    const name = this.#name('const');
    // A copy: the caller's array may be a view into a buffer that changes later.
    this.#initializers.push({ name, dims: [...dims], dataType: elementTypes[type], rawData: rawData.slice() });
    return name;
  }

  #name(prefix: string): string {
    this.#counter += 1;
    return `${prefix}_${this.#counter}`;
  }
}

function attribute([name, value]: [string, AttributeValue]): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.INTS, ints: [...value] };
}

function valueInfo(name: string, type: ElementType, dims: readonly (number | string)[]): onnxProto.onnx.IValueInfoProto {
  const dim = dims.map((side) => (typeof side === 'number' ? { dimValue: side } : { dimParam: side }));
  return { name, type: { tensorType: { elemType: elementTypes[type], shape: { dim } } } };
}
