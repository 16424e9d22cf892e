// The issue-19 scenario: one key sends decompression bombs (7071x7071 lossless WebPs, a
// few KB, ~0.3 s of decoding each), then another key sends one normal photo. Usage:
// node bench/bombs.ts [url] [bombs]; start the service with its encode budgets off
// (RATE_LIMIT_ENCODES_PER_SESSION_PER_HOUR=0 RATE_LIMIT_ENCODES_PER_ADDRESS_PER_HOUR=0),
// or they, not the queue, stop the bombs.
import sharp from 'sharp';
import { soccer } from './images.ts';

const url = process.argv[2] ?? 'http://127.0.0.1:8001';
const count = Number(process.argv[3] ?? 40);
const bomb = await sharp({ create: { width: 7071, height: 7071, channels: 3, background: '#000000' } }).webp({ lossless: true }).toBuffer();
const newKey = async () => ((await (await fetch(`${url}/session`, { method: 'POST' })).json()) as { key: string }).key;
const upload = async (key: string, bytes: Uint8Array) => {
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'photo');
  const started = performance.now();
  const response = await fetch(`${url}/encode`, { method: 'POST', body: form, headers: { key } });
  await response.arrayBuffer();
  return { status: response.status, ms: Math.round(performance.now() - started) };
};

const [bomber, other] = [await newKey(), await newKey()];
const started = performance.now();
const bombs = Promise.all(Array.from({ length: count }, () => upload(bomber, bomb)));
await new Promise((resolve) => setTimeout(resolve, 300));
// A photo no earlier run sent, so no run finds it already encoded.
const photo = await sharp(soccer).jpeg({ quality: 40 + (Date.now() % 50) }).withMetadata({ exif: { IFD0: { ImageDescription: String(Date.now()) } } }).toBuffer();
const normal = await upload(other, photo);
const outcomes = await bombs;
const byStatus = Object.groupBy(outcomes, (outcome) => String(outcome.status));
console.log(`${count} bombs of ${bomb.length} bytes from one key: ${Object.entries(byStatus).map(([status, list]) => `${list!.length} x ${status}`).join(', ')}, all answered in ${Math.round(performance.now() - started)} ms`);
console.log(`another key's normal photo, sent 300 ms after them: ${normal.status} in ${normal.ms} ms`);
