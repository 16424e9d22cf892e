// npm run bench [-- --storage sqlite|redis] [--seconds 8]
// Starts the service, loads it with autocannon, prints a markdown table, writes it to bench/results/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pino from 'pino';
import { createRedisClient } from '../src/adapters/redis/createRedisClient.ts';
import { loadConfig } from '../src/app/config.ts';
import { compareProcessCounts, hasWrk } from './processes.ts';
import { startService, treeMemoryMiB } from './service.ts';
import { largePhotoWithFace, oneFaceJpegs, threeFaces } from './images.ts';
import { multipart } from './multipart.ts';
import { compareReplicaAcks, replicaAckTable } from './replicaAcks.ts';

const { values: args } = parseArgs({
  options: { storage: { type: 'string', default: 'sqlite' }, seconds: { type: 'string', default: '8' } },
});
if (args.storage !== 'sqlite' && args.storage !== 'redis') throw new Error('--storage is sqlite or redis');
const seconds = Number(args.seconds);
const encoderConfig = loadConfig(process.env);
const workers = encoderConfig.ENCODER_THREADS;
const dataDir = mkdtempSync(join(tmpdir(), 'faces-bench-'));

// ---- the service under test, with its memory (all its processes) sampled every 100 ms -------------------------
console.error(`bench: waiting for the service (${args.storage}) to be ready`);
const service = await startService(
  {
    LOG_LEVEL: 'info', // request logs on, as in production; they go to /dev/null
    STORAGE: args.storage,
    CACHE: args.storage === 'redis' ? 'redis' : 'memory',
    SQLITE_PATH: join(dataDir, 'bench.db'),
    REDIS_KEY_PREFIX: `bench:${process.pid}:`,
  },
  ['ignore', 'ignore', 'inherit'],
);
const { url } = service;
service.process.once('exit', (code) => {
  if (code !== 0) throw new Error(`the service exited with ${code}`);
});
// Whatever ends the bench, the service goes with it.
process.once('exit', () => service.process.kill('SIGKILL'));
const memoryMiB = () => treeMemoryMiB(service.process.pid!);
let peakMemory = 0;
const memorySampler = setInterval(() => (peakMemory = Math.max(peakMemory, memoryMiB())), 100);

// ---- helpers ------------------------------------------------------------------------------
const newKey = async () => ((await (await fetch(`${url}/session`, { method: 'POST' })).json()) as { key: string }).key;
async function upload(key: string, bytes: Buffer): Promise<number> {
  const { body, contentType } = multipart(bytes);
  const response = await fetch(`${url}/encode`, { method: 'POST', body, headers: { key, 'content-type': contentType } });
  await response.arrayBuffer();
  return response.status;
}

interface Row {
  readonly name: string;
  readonly throughput: string;
  readonly p50: string;
  readonly p99: string;
  readonly memory: string;
}
const rows: Row[] = [];

/** The sessions the bench made (tens of thousands) go with it. */
async function deleteRedisKeys(prefix: string): Promise<void> {
  const client = createRedisClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', logger: pino({ level: 'silent' }) });
  while (!client.isReady) await new Promise((r) => setTimeout(r, 20));
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length > 0) await client.unlink(keys);
  client.destroy();
}

const progress = (message: string) => console.error(`bench: ${message}`);

async function load(name: string, path: string, options: Partial<autocannon.Options> = {}): Promise<autocannon.Result> {
  progress(`${name} for ${seconds} s`);
  peakMemory = memoryMiB();
  const result = await autocannon({ connections: 10, duration: seconds, ...options, url: url + path });
  const failures = result.non2xx + result.errors + result.timeouts;
  if (failures > 0) console.warn(`${name}: ${failures} of ${result.requests.total} requests failed`);
  rows.push({
    name,
    throughput: `${Math.round(result.requests.average)} req/s`,
    p50: `${result.latency.p50} ms`,
    p99: `${result.latency.p99} ms`,
    memory: `${Math.round(peakMemory)} MiB`,
  });
  return result;
}

// ---- the runs -----------------------------------------------------------------------------
const started = performance.now();
progress('filling a session with 5 three-face photos');
const fullKey = await newKey();
for (let variant = 0; variant < 5; variant++) {
  const status = await upload(fullKey, await threeFaces(variant));
  if (status !== 200) throw new Error(`setting up the full session: upload ${variant} answered ${status}`);
}
const dedupKey = await newKey();
const dedupImage = (await oneFaceJpegs(1))[0]!;
await upload(dedupKey, dedupImage);
const dedup = multipart(dedupImage);

const ping = await load('GET /ping (ceiling)', '/ping');
const summary = await load('GET /summary (5 images, 15 faces)', '/summary', { headers: { key: fullKey } });
await load('POST /session', '/session', { method: 'POST' });
await load('POST /encode, dedup hit', '/encode', { method: 'POST', headers: { key: dedupKey, 'content-type': dedup.contentType }, body: dedup.body });

/**
 * Uploads every image, `inFlight` at a time (by default as many as the pool runs, two
 * per worker, and as many again waiting), `perSession` images to a session; adds a row of
 * images/s and latencies.
 */
async function uploadAll(name: string, images: readonly Buffer[], perSession: number, inFlight = workers * 4): Promise<void> {
  peakMemory = memoryMiB();
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      let key = await newKey();
      let held = 0;
      while (next < images.length) {
        const image = images[next++]!;
        if (held === perSession) [key, held] = [await newKey(), 0];
        const t = performance.now();
        const status = await upload(key, image);
        latencies.push(performance.now() - t);
        if (status !== 200) throw new Error(`${name} answered ${status}`);
        held += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => `${Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!)} ms`;
  rows.push({ name, throughput: `${(images.length / seconds).toFixed(1)} images/s`, p50: pct(0.5), p99: pct(0.99), memory: `${Math.round(peakMemory)} MiB` });
}

progress('the dedup photo into 40 new sessions');
// What a session gets for bytes another session holds: its own encode (they are never shared).
await uploadAll('POST /encode, the same photo into 40 new sessions', Array.from({ length: 40 }, () => dedupImage), 1);

progress('cold encodes');
// Distinct photos, 8 in flight (more than the pool runs at once, so its queue is never empty).
await uploadAll(`POST /encode, cold (512x512 one face, ${workers} worker(s) x ${encoderConfig.ENCODER_INTRA_OP_THREADS} threads, 8 in flight)`, await oneFaceJpegs(160), 5, 8);

progress('the 24 MP photo');
const large = await largePhotoWithFace();
const largeTimes: number[] = [];
for (let run = 0; run < 3; run++) {
  const key = await newKey();
  const t = performance.now();
  const status = await upload(key, Buffer.concat([large, Buffer.from([run])])); // distinct bytes: no dedup
  largeTimes.push(performance.now() - t);
  if (status !== 200) throw new Error(`24 MP photo answered ${status}`);
}
largeTimes.sort((a, b) => a - b);
rows.push({ name: 'POST /encode, 24 MP progressive JPEG with one face (median of 3)', throughput: '', p50: `${Math.round(largeTimes[1]!)} ms`, p99: '', memory: `${Math.round(peakMemory)} MiB` });

progress('memory over rounds of fresh encodes');
// Memory over a longer run: memory after each of several rounds of fresh encodes.
const rounds: number[] = [];
for (let round = 0; round < 4; round++) {
  const images = await oneFaceJpegs(20 + round * 20);
  let key = await newKey();
  for (let i = round * 20; i < images.length; i++) {
    if (i % 5 === 0) key = await newKey();
    await upload(key, images[i]!);
  }
  rounds.push(Math.round(memoryMiB()));
}

clearInterval(memorySampler);
await service.stop();
rmSync(dataDir, { recursive: true, force: true });
if (args.storage === 'redis') await deleteRedisKeys(`bench:${process.pid}:`);

progress(hasWrk ? 'one HTTP process against one per core, under wrk' : 'no wrk installed (apt-get install wrk): the process comparison is skipped');
const processRows = hasWrk ? await compareProcessCounts(seconds) : [];
const [single] = processRows;
const processes = hasWrk
  ? `| HTTP processes | GET /ping | GET /summary (5 images, 7 faces) | memory (PSS), all processes |
|---|---|---|---|
${processRows.map((row) => `| ${row.processes} | ${Math.round(row.pingPerSecond)} req/s | ${Math.round(row.summaryPerSecond)} req/s (${(row.summaryPerSecond / single!.summaryPerSecond).toFixed(2)}x) | ${Math.round(row.memoryMiB)} MiB |`).join('\n')}`
  : '(skipped: wrk is not installed)';

const replicaAcks = replicaAckTable(await compareReplicaAcks(seconds, progress));

// ---- the report ---------------------------------------------------------------------------
const ratio = summary.requests.average / ping.requests.average;
const table = [
  `| run | throughput | p50 | p99 | peak memory (PSS) |`,
  `|---|---|---|---|---|`,
  ...rows.map((r) => `| ${r.name} | ${r.throughput} | ${r.p50} | ${r.p99} | ${r.memory} |`),
].join('\n');
const report = `## face-sessions benchmark, ${new Date().toISOString().slice(0, 16)}Z

Storage: ${args.storage}. HTTP processes: ${encoderConfig.WEB_CONCURRENCY} (WEB_CONCURRENCY). Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.
autocannon: 10 connections, ${seconds} s a run. Total time ${Math.round((performance.now() - started) / 1000)} s.

${table}

- GET /summary runs at ${(ratio * 100).toFixed(0)}% of GET /ping.
- Memory (PSS) after rounds of 20 fresh encodes each: ${rounds.join(' → ')} MiB.

HTTP on one process and on one per core (WEB_CONCURRENCY; the engine runs once either way); wrk, 2 threads,
32 connections, ${seconds} s a run, rate limits off, request logs on:

${processes}

Writes on a Redis Cluster (3 masters, a replica each, on this machine), without and with the durability
step (REDIS_REPLICA_ACKS=1: WAIT for a replica after each write); autocannon, 10 connections, ${seconds} s a run:

${replicaAcks}
`;
console.log(report);
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`results/latest-${args.storage}.md`, import.meta.url), report);
