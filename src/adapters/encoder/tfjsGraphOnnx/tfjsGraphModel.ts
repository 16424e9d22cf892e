import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readTfjsWeights, type ManifestGroup, type Weight } from '../onnx/tfjsWeights.ts';

/**
 * One attribute of a node, as TensorFlow's AttrValue in JSON: strings are base64,
 * 64-bit ints are decimal strings, and a list holds one of these kinds.
 */
interface AttrValue {
  readonly s?: string;
  readonly i?: string;
  readonly f?: number;
  readonly b?: boolean;
  readonly type?: string;
  readonly shape?: { readonly dim?: readonly { readonly size: string }[] };
  readonly list?: { readonly s?: readonly string[]; readonly i?: readonly string[] };
}

/** One node of a GraphDef: `input` names other nodes ("name" or "name:index"). */
export interface TfNode {
  readonly name: string;
  readonly op: string;
  readonly input?: readonly string[];
  readonly attr?: Readonly<Record<string, AttrValue>>;
}

/** A tfjs graph model: its nodes by name and its weights (every Const node) as float32. */
export interface TfjsGraphModel {
  readonly nodes: ReadonlyMap<string, TfNode>;
  readonly weights: ReadonlyMap<string, Weight>;
  /** The signature's output names ("output_mesh", say) and the tensors they name ("Identity_2:0"). */
  readonly signatureOutputs: ReadonlyMap<string, string>;
}

interface Signature {
  readonly outputs?: Readonly<Record<string, { readonly name: string }>>;
}

interface ModelJson {
  readonly format?: string;
  readonly modelTopology?: { readonly node?: readonly TfNode[] };
  readonly weightsManifest: readonly ManifestGroup[];
  readonly signature?: Signature;
  /** Older converters kept the signature here. */
  readonly userDefinedMetadata?: { readonly signature?: Signature };
}

export function readTfjsGraphModel(modelFile: string): TfjsGraphModel {
  const json = readModelJson(modelFile);
  const nodes = json.modelTopology?.node;
  if (json.format !== 'graph-model' || !nodes) throw new Error(`${modelFile} is not a tfjs graph model`);
  return {
    nodes: new Map(nodes.map((node) => [node.name, node])),
    weights: readTfjsWeights(dirname(modelFile), json.weightsManifest),
    signatureOutputs: new Map(
      Object.entries((json.signature ?? json.userDefinedMetadata?.signature)?.outputs ?? {}).map(([key, output]) => [key, output.name]),
    ),
  };
}

/** The files a graph model is made of: its model.json and its weight shards. */
export function tfjsGraphModelFiles(modelFile: string): string[] {
  const shards = readModelJson(modelFile).weightsManifest.flatMap((group) => group.paths.map((path) => join(dirname(modelFile), path)));
  return [modelFile, ...shards];
}

function readModelJson(modelFile: string): ModelJson {
  return JSON.parse(readFileSync(modelFile, 'utf8')) as ModelJson;
}

function attr(node: TfNode, name: string): AttrValue | undefined {
  return node.attr?.[name];
}

function required<T>(node: TfNode, name: string, value: T | undefined): T {
  if (value === undefined) throw new Error(`${node.op} ${node.name} lacks the attribute ${name}`);
  return value;
}

const fromBase64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');

export function stringAttr(node: TfNode, name: string): string {
  return fromBase64(required(node, name, attr(node, name)?.s));
}

export function optionalStringAttr(node: TfNode, name: string): string | undefined {
  const value = attr(node, name)?.s;
  return value === undefined ? undefined : fromBase64(value);
}

export function stringListAttr(node: TfNode, name: string): string[] {
  return (attr(node, name)?.list?.s ?? []).map(fromBase64);
}

/** An int attribute; a missing one means 0, as in TensorFlow's JSON (which omits defaults). */
export function intAttr(node: TfNode, name: string): number {
  return Number(attr(node, name)?.i ?? 0);
}

export function intListAttr(node: TfNode, name: string): number[] {
  return (attr(node, name)?.list?.i ?? []).map(Number);
}

export function boolAttr(node: TfNode, name: string): boolean {
  return attr(node, name)?.b ?? false;
}

/** A shape attribute (a Placeholder's, say); -1 is an unknown side. */
export function shapeAttr(node: TfNode, name: string): number[] {
  return (attr(node, name)?.shape?.dim ?? []).map((dim) => Number(dim.size));
}
