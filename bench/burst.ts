// The issue-13 scenario, as a new user would try it: 20 uploads at once to one instance
// (4 sessions, 5 distinct photos each). Usage: node bench/burst.ts [url] [round]; each
// round sends photos no earlier round sent, so every one is a cold encode.
import { oneFaceJpegs } from './images.ts';

const url = process.argv[2] ?? 'http://127.0.0.1:8001';
const round = Number(process.argv[3] ?? 0);
const photos = (await oneFaceJpegs(20 * (round + 1))).slice(20 * round);
const keys = await Promise.all(
  Array.from({ length: 4 }, async () => ((await (await fetch(`${url}/session`, { method: 'POST' })).json()) as { key: string }).key),
);
const started = performance.now();
const results = await Promise.all(
  photos.map(async (photo, i) => {
    const form = new FormData();
    form.append('file', new Blob([photo]), 'photo.jpg');
    const t = performance.now();
    const response = await fetch(`${url}/encode`, { method: 'POST', body: form, headers: { key: keys[Math.floor(i / 5)]! } });
    const body = (await response.json()) as { code?: string };
    return { status: response.status, code: body.code, ms: Math.round(performance.now() - t), retryAfter: response.headers.get('retry-after') };
  }),
);
const total = Math.round(performance.now() - started);
const byStatus = Object.groupBy(results, (result) => `${result.status}${result.code ? ` ${result.code}` : ''}`);
const latencies = results.map((result) => result.ms).sort((a, b) => a - b);
console.log(`20 uploads at once, 4 sessions x 5: ${Object.entries(byStatus).map(([status, list]) => `${list!.length} x ${status}`).join(', ')}`);
console.log(`all answered in ${total} ms; latency min ${latencies[0]} / median ${latencies[10]} / max ${latencies[19]} ms`);
const retryAfters = results.flatMap((result) => (result.retryAfter === null ? [] : [`${result.retryAfter} s`]));
if (retryAfters.length > 0) console.log(`Retry-After of the refused: ${retryAfters.join(', ')}`);
