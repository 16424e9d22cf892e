import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { faceApiDescriptor, faceApiLandmarks } from './faceApiGraphs.ts';
import { viewCutter } from './viewCutter.ts';
import { withInputStage, withQuarterTurnsStage } from './yuNetInputStage.ts';

export interface ShippedModel {
  /** Under models/, where the engine loads it from. */
  readonly file: string;
  build(): Uint8Array;
}

const yuNet = () => readFileSync(modelPath('yunet/yunet_n_dynamic.onnx'));

/** Every network the engine loads, and how it is made from its sources (models/README.md). */
export const shippedModels: readonly ShippedModel[] = [
  { file: 'face-api/landmarks.onnx', build: faceApiLandmarks },
  { file: 'face-api/descriptor.onnx', build: faceApiDescriptor },
  { file: 'yunet/yunet-photo.onnx', build: () => withInputStage(yuNet()) },
  { file: 'yunet/yunet-views.onnx', build: () => withQuarterTurnsStage(yuNet()) },
  { file: 'view-cutter.onnx', build: viewCutter },
];

export function modelPath(file: string): string {
  return fileURLToPath(new URL(`../../models/${file}`, import.meta.url));
}
