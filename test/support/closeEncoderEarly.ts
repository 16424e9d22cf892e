// Closes the built-in encoder at the moments that used to abort the process: while its
// thread loads the networks, and while it encodes. Prints the encodes' outcomes as JSON;
// an abort shows as the process dying by SIGABRT.
import { builtInEncoder } from './builtInEncoder.ts';
import { fixture } from './fixtures.ts';

for (const ms of [0, 150, 250, 350, 500]) {
  const loading = builtInEncoder();
  await new Promise((resolve) => setTimeout(resolve, ms));
  await loading.close();
}

const encoding = builtInEncoder();
await encoding.ping();
const photo = fixture('one-face-soccer.jpg');
const outcomes = [encoding.encode(photo), encoding.encode(photo)].map((run) => run.then((faces) => faces.length, (error: { code?: string }) => error.code));
await new Promise((resolve) => setTimeout(resolve, 20));
await encoding.close();
console.log(JSON.stringify(await Promise.all(outcomes)));
