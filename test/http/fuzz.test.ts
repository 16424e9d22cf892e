import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.ts';
import { newSession, type RunningApp, startApp } from '../support/startApp.ts';

let app: RunningApp;
let key: string;
beforeAll(async () => {
  app = await startApp();
  key = await newSession(app.url);
});
afterAll(async () => {
  await app.close();
});

const soccer = fixture('one-face-soccer.jpg');

// Arbitrary bytes, and real photos with a few bytes flipped or cut short: the second kind
// gets past the format checks into the decoder and the model.
const uploads = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc.record({ at: fc.nat(soccer.length - 1), value: fc.integer({ min: 0, max: 255 }), cut: fc.nat(soccer.length) }).map(({ at, value, cut }) => {
    const bytes = Uint8Array.from(soccer);
    bytes[at] = value;
    return bytes.subarray(0, Math.max(cut, 1));
  }),
);
const headerValue = fc.string({ maxLength: 200 }).filter((value) => /^[\t\x20-\x7e]*$/.test(value));
const headers = fc.dictionary(fc.constantFrom('key', 'authorization', 'content-type', 'x-request-id', 'accept'), headerValue, { maxKeys: 4 });

describe('random input', () => {
  it('never gets a 5xx or takes the process down', async () => {
    await fc.assert(
      fc.asyncProperty(uploads, headers, fc.boolean(), async (bytes, extraHeaders, withKey) => {
        const form = new FormData();
        form.append('file', new Blob([bytes]), 'upload');
        const requestHeaders = withKey ? { ...extraHeaders, key } : extraHeaders;
        const response = await fetch(`${app.url}/encode`, { method: 'POST', body: form, headers: requestHeaders });
        await response.arrayBuffer();
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(headers, fc.constantFrom('/summary', '/session', '/ping', '/nope'), fc.constantFrom('GET', 'POST', 'DELETE', 'PUT'), async (extra, path, method) => {
        const response = await fetch(app.url + path, { method, headers: extra });
        await response.arrayBuffer();
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    expect((await fetch(`${app.url}/ping`)).status).toBe(200);
  });
});
