import type { OnnxGraph } from '../onnx/OnnxGraph.ts';
import type { TfjsGraphModel } from './tfjsGraphModel.ts';
import { translations } from './tfOps.ts';
import { tfOrder, type Tensor, type Value } from './tfValues.ts';

/**
 * Translates a tfjs graph model into an OnnxGraph, node by node, starting from the
 * outputs asked for: nodes no output needs (FaceMesh's contours, say) are never built.
 * The caller supplies the ONNX value of each Placeholder.
 */
export class TfjsGraphTranslator {
  readonly #graph: OnnxGraph;
  readonly #model: TfjsGraphModel;
  readonly #values = new Map<string, Value>();

  constructor(graph: OnnxGraph, model: TfjsGraphModel, placeholders: ReadonlyMap<string, Tensor>) {
    this.#graph = graph;
    this.#model = model;
    for (const [name, value] of placeholders) {
      if (this.#model.nodes.get(name)?.op !== 'Placeholder') throw new Error(`the model has no placeholder ${name}`);
      this.#values.set(name, value);
    }
  }

  /** The translated value of a TensorFlow tensor ("node" or "node:0"). */
  value(reference: string): Value {
    const name = nodeName(reference);
    const known = this.#values.get(name);
    if (known) return known;
    const node = this.#model.nodes.get(name);
    if (!node) throw new Error(`the model has no node ${name}`);
    const translate = translations[node.op];
    if (!translate) throw new Error(`no ONNX translation for ${node.op} (node ${node.name})`);
    // Control dependencies ("^node") order execution in TensorFlow; they carry no data.
    const inputs = (node.input ?? []).filter((input) => !input.startsWith('^')).map((input) => this.value(input));
    const value = translate(node, inputs, { graph: this.#graph, weights: this.#model.weights });
    this.#values.set(name, value);
    return value;
  }

  /** The ONNX name of a TensorFlow tensor in TensorFlow's element order, and its shape. */
  inTfOrder(reference: string): { readonly name: string; readonly shape: readonly number[] } {
    const value = this.value(reference);
    return { name: tfOrder(this.#graph, value), shape: value.shape };
  }

  /** Makes a TensorFlow tensor an output of the ONNX graph, in TensorFlow's layout and shape. */
  output(onnxName: string, reference: string): void {
    const { name, shape } = this.inTfOrder(reference);
    this.#graph.output(onnxName, name, shape);
  }
}

function nodeName(reference: string): string {
  const [name, index] = reference.split(':');
  // Every op translated here has one output.
  if (index !== undefined && index !== '0') throw new Error(`output ${index} of ${name} is not supported`);
  return name!;
}
