// node bench/engines.ts  (npm run bench runs it too)
// The built-in engine before and after the move to onnxruntime, in the same run: each
// in a child process of its own, so RSS is the engine's alone. Cold encodes of distinct
// 512x512 one-face photos, the 6000x4000 photo, and RSS after rounds of fresh encodes.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import { loadConfig } from '../src/app/config.ts';
import { mallocSettings } from '../src/app/mallocSettings.ts';
import { builtInEncoder } from '../test/support/builtInEncoder.ts';
import { largePhotoWithFace, oneFaceJpegs } from './images.ts';

export interface EngineResult {
  readonly engine: string;
  readonly imagesPerSecond: number;
  readonly p50Ms: number;
  readonly largeMs: number;
  readonly rssAfterLoadMiB: number;
  readonly peakRssMiB: number;
  readonly rssAfterRoundsMiB: readonly number[];
}

const engines = {
  tfjs: `face-api on TensorFlow.js wasm (before), ${availableParallelism()} worker threads`,
  onnx: 'onnxruntime with YuNet (now), as configured (defaults: a worker per core, one inference thread each)',
} as const;
type EngineName = keyof typeof engines;

/** Runs both engines one after the other, each in its own process. */
export async function compareEngines(imagesPerRound = 60): Promise<EngineResult[]> {
  const results: EngineResult[] = [];
  for (const name of Object.keys(engines) as EngineName[]) results.push(await runChild(name, imagesPerRound));
  return results;
}

export function engineTable(results: readonly EngineResult[]): string {
  return [
    '| engine | cold encodes (512x512, one face, 8 in flight) | p50 | 24 MP progressive JPEG, one face | RSS after load | peak RSS | RSS after each round of fresh encodes |',
    '|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.engine} | ${r.imagesPerSecond.toFixed(1)} images/s | ${Math.round(r.p50Ms)} ms | ${Math.round(r.largeMs)} ms | ${r.rssAfterLoadMiB} MiB | ${r.peakRssMiB} MiB | ${r.rssAfterRoundsMiB.join(' → ')} MiB |`,
    ),
  ].join('\n');
}

function runChild(name: EngineName, imagesPerRound: number): Promise<EngineResult> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', name, '--images', String(imagesPerRound)], {
    env: { ...process.env, ...mallocSettings },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(output) as EngineResult) : reject(new Error(`${name} bench exited with ${code}`))));
  });
}

// ---- in the child: one engine ---------------------------------------------------------

async function measure(name: EngineName, imagesPerRound: number): Promise<EngineResult> {
  const rssMiB = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024);
  let peakRssMiB = 0;
  const sampler = setInterval(() => (peakRssMiB = Math.max(peakRssMiB, rssMiB())), 50);
  const encoder = await startEngine(name);
  const warm = await oneFaceJpegs(4);
  await Promise.all(warm.map((image) => encoder.encode(image)));
  const rssAfterLoadMiB = rssMiB();

  const images = await oneFaceJpegs(imagesPerRound * 5);
  const latencies: number[] = [];
  const started = performance.now();
  await encodeAll(encoder, images.slice(0, imagesPerRound), latencies);
  const imagesPerSecond = imagesPerRound / ((performance.now() - started) / 1000);
  latencies.sort((a, b) => a - b);

  const large = await largePhotoWithFace();
  const largeTimes: number[] = [];
  for (let run = 0; run < 3; run++) {
    const t = performance.now();
    await encoder.encode(large);
    largeTimes.push(performance.now() - t);
  }
  largeTimes.sort((a, b) => a - b);

  const rssAfterRoundsMiB: number[] = [];
  for (let round = 1; round < 5; round++) {
    await encodeAll(encoder, images.slice(round * imagesPerRound, (round + 1) * imagesPerRound), []);
    rssAfterRoundsMiB.push(rssMiB());
  }
  clearInterval(sampler);
  await encoder.close();
  return {
    engine: engines[name],
    imagesPerSecond,
    p50Ms: latencies[Math.floor(latencies.length / 2)]!,
    largeMs: largeTimes[1]!,
    rssAfterLoadMiB,
    peakRssMiB,
    rssAfterRoundsMiB,
  };
}

interface Engine {
  encode(image: Uint8Array): Promise<unknown>;
  close(): Promise<void>;
}

async function startEngine(name: EngineName): Promise<Engine> {
  if (name === 'onnx') {
    const encoder = builtInEncoder({}, process.env);
    await encoder.ping();
    return encoder;
  }
  const pool = new Piscina<Uint8Array, unknown>({
    filename: fileURLToPath(new URL('../test/support/referenceEncodeWorker.ts', import.meta.url)),
    minThreads: availableParallelism(),
    maxThreads: availableParallelism(),
    idleTimeout: Infinity,
    workerData: { maxInputPixels: loadConfig({}).MAX_INPUT_PIXELS },
  });
  return { encode: (image) => pool.run(image), close: () => pool.destroy() };
}

/** Eight in flight, as a busy service would have them. */
async function encodeAll(encoder: Engine, images: readonly Uint8Array[], latencies: number[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < images.length) {
        const image = images[next++]!;
        const t = performance.now();
        await encoder.encode(image);
        latencies.push(performance.now() - t);
      }
    }),
  );
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { child: { type: 'string' }, images: { type: 'string', default: '60' } } });
  const imagesPerRound = Number(values.images);
  if (values.child === 'onnx' || values.child === 'tfjs') {
    process.stdout.write(JSON.stringify(await measure(values.child, imagesPerRound)));
  } else {
    console.log(engineTable(await compareEngines(imagesPerRound)));
  }
}
