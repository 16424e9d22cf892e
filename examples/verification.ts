// README's client example, run as it is by test/client/readmeExample.test.ts:
// node examples/verification.ts http://localhost:8001 first.jpg second.jpg
import { readFile } from 'node:fs/promises';
import { createFaceSessionsClient } from 'face-sessions/client';

const [baseUrl = 'http://localhost:8001', ...photos] = process.argv.slice(2);

// Start a session; its client sends the key with every call.
const started = await createFaceSessionsClient({ baseUrl }).POST('/session');
if (started.error) throw new Error(`no session: ${started.error.code}`);
const session = createFaceSessionsClient({ baseUrl, key: started.data.key });

// Upload the photos, one per request: each answer lists the faces found.
for (const photo of photos) {
  const { data, error } = await session.POST('/encode', { body: { file: new Blob([await readFile(photo)]) } });
  if (error) throw new Error(`${photo}: ${error.code}: ${error.detail}`);
  console.log(`${photo}: ${data.faces.length} face(s)`);
}

// The verdict: is one person in every photo? (null: fewer than two photos to compare)
const verdict = await session.GET('/verification');
if (verdict.error) throw new Error(`no verdict: ${verdict.error.code}`);
console.log(`same person: ${verdict.data.same_person}`);

// Clear: the faces are deleted, the key stays valid for new photos.
await session.DELETE('/session');
