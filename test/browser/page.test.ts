import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadMatchRates } from '../../src/app/matchRates.ts';
import { rateAt } from '../../src/domain/matchRates.ts';
import { fixture, hasSeedImages, seedImage } from '../support/fixtures.ts';
import { type RunningApp, startApp } from '../support/startApp.ts';

// The page at / in a real browser (Debian's chromium, driven by puppeteer-core): the
// whole flow with real photos, asserted on the DOM. Screenshots land in test/artifacts/.
const chromium = '/usr/bin/chromium';
const hasChromium = existsSync(chromium);
if (!hasChromium) {
  if (process.env.CI) throw new Error('CI: /usr/bin/chromium is missing; .ci/run should have installed it.');
  console.warn('\n!!! SKIPPING browser tests: no /usr/bin/chromium (apt-get install chromium) !!!\n');
}
const artifacts = fileURLToPath(new URL('../artifacts/', import.meta.url));

let app: RunningApp;
let browser: Browser;
let page: Page;
const photos = mkdtempSync(join(tmpdir(), 'faces-page-'));

/** A photo written to disk, as a person would pick it. */
function photoFile(name: string, bytes: Buffer): string {
  const path = join(photos, name);
  writeFileSync(path, bytes);
  return path;
}

beforeAll(async () => {
  if (!hasChromium) return;
  mkdirSync(artifacts, { recursive: true });
  app = await startApp();
  browser = await puppeteer.launch({
    executablePath: chromium,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

beforeEach(async () => {
  if (!hasChromium) return;
  page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 900 });
  await page.goto(`${app.url}/`);
});

const text = (selector: string) => page.$eval(selector, (element) => element.textContent ?? '');

async function startWithKeyboard(): Promise<void> {
  await page.focus('#start');
  await page.keyboard.press('Enter');
  await page.waitForFunction("document.querySelector('#status')?.textContent?.includes('Session started')");
}

async function addPhotos(...paths: string[]): Promise<void> {
  const input = (await page.$('#files'))!;
  await input.uploadFile(...paths);
}

/** Drops photos on the drop zone, as a person drags them from their files. */
async function dropPhotos(...photos: [name: string, bytes: Buffer][]): Promise<void> {
  const files = photos.map(([name, bytes]) => ({ name, base64: bytes.toString('base64') }));
  await page.evaluate(`(() => {
    const transfer = new DataTransfer();
    for (const { name, base64 } of ${JSON.stringify(files)}) {
      transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type: 'image/jpeg' }));
    }
    document.querySelector('#drop').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  })()`);
}

describe.skipIf(!hasChromium)('the page at /', () => {
  it('loads with nothing missing: every file it asks for is there, its icon too', async () => {
    const fresh = await browser.newPage();
    const failed: string[] = [];
    fresh.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });
    await fresh.goto(`${app.url}/`, { waitUntil: 'networkidle0' });
    const icons = await fresh.$$eval('link[rel="icon"]', (links) => links.map((link) => link.getAttribute('href')));
    expect(icons).toContain('/favicon.ico');
    // What every browser asks a site for, whatever the page links.
    for (const icon of icons) {
      const answer = await fresh.evaluate(`fetch(${JSON.stringify(icon)}).then(async (r) => [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength])`);
      expect(answer).toEqual([200, expect.stringMatching(/^image\//), expect.any(Number)]);
    }
    expect(failed).toEqual([]);
    await fresh.close();
  });

  it('starts a session by itself when photos are dropped on a fresh page, then gives the verdict', async () => {
    const soccer = fixture('one-face-soccer.jpg');
    await dropPhotos(['first.jpg', soccer], ['second.jpg', await sharp(soccer).resize(800).jpeg().toBuffer()]);
    await page.waitForFunction("document.querySelector('#verdict')?.textContent?.startsWith('Yes')", { timeout: 30_000 });
    expect(await text('#status')).toBe('Session started with your photos.');
    expect(await text('#verdict')).toBe('Yes: the same person is in all 2 photos.');
    expect(await page.$$eval('.error', (errors) => errors.filter((error) => !(error as { hidden: boolean }).hidden).length)).toBe(0);
    expect(await page.$eval('#clear', (button) => (button as { disabled: boolean }).disabled)).toBe(false);
    await page.screenshot({ path: join(artifacts, 'page-dropped-first.png'), fullPage: true });
  });

  it('starts a session by itself when a photo is picked on a fresh page', async () => {
    await addPhotos(photoFile('picked.jpg', fixture('one-face-soccer.jpg')));
    await page.waitForSelector('.frame .face', { timeout: 30_000 });
    expect(await text('#status')).toBe('Session started with your photos.');
    expect(await text('#verdict')).toBe('One photo so far: add another to compare.');
  });

  it('says so when the session has expired, and starts a new one with the next photos', async () => {
    const expiring = await startApp({ SESSION_TTL_SECONDS: '1' });
    try {
      await page.goto(`${expiring.url}/`);
      const soccer = fixture('one-face-soccer.jpg');
      await dropPhotos(['before.jpg', soccer]);
      await page.waitForSelector('.frame .face', { timeout: 30_000 });
      // Idle past the TTL: the sweeper deletes the session.
      const swept = () => expiring.logs.some((line) => line.includes('expired idle sessions'));
      for (const deadline = Date.now() + 20_000; !swept() && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(swept()).toBe(true);

      await dropPhotos(['after.jpg', await sharp(soccer).resize(700).jpeg().toBuffer()]);
      await page.waitForFunction("document.querySelector('#status')?.textContent?.startsWith('This session has expired')", { timeout: 30_000 });
      expect(await text('#status')).toBe('This session has expired: it went unused for too long, and the service deleted it with its faces. Drop or choose photos to start a new one.');
      expect(await page.$$eval('.error', (errors) => errors.map((error) => error.textContent).filter(Boolean))).toEqual(['Not added: the session had expired.']);
      expect(await page.$eval('#clear', (button) => (button as { disabled: boolean }).disabled)).toBe(true);
      // The earlier photo's face can no longer be compared with anything: it says so.
      expect(await page.$$eval('.faces-list li', (items) => items.map((item) => item.textContent))).toEqual([expect.stringMatching(/^Face 1: not compared/)]);
      await page.screenshot({ path: join(artifacts, 'page-expired.png'), fullPage: true });

      // The offer taken: photos again start a new session, the expired one's cards go.
      await dropPhotos(['again.jpg', soccer]);
      await page.waitForFunction("document.querySelector('#status')?.textContent === 'Session started with your photos.'", { timeout: 30_000 });
      await page.waitForSelector('.frame .face', { timeout: 30_000 });
      expect(await page.$$eval('.photo h3', (titles) => titles.map((title) => title.textContent))).toEqual(['Photo 1']);
      expect(await page.$$eval('.error', (errors) => errors.filter((error) => !(error as { hidden: boolean }).hidden).length)).toBe(0);
    } finally {
      await expiring.close();
    }
  });

  it('labels every control for keyboards and screen readers, and needs no CDN', async () => {
    expect(await page.$eval('#files', (input) => (input as { labels?: { textContent: string | null }[]; disabled: boolean }).labels?.[0]?.textContent)).toMatch(/choose photos/);
    // Usable at once: the first photo starts a session.
    expect(await page.$eval('#files', (input) => (input as { labels?: { textContent: string | null }[]; disabled: boolean }).disabled)).toBe(false);
    expect(await page.$eval('#status', (element) => element.getAttribute('role'))).toBe('status');
    const external = await page.$$eval('script[src], link[href]', (elements) =>
      elements.map((element) => element.getAttribute('src') ?? element.getAttribute('href')).filter((url) => url && !url.startsWith('/')),
    );
    expect(external).toEqual([]);
  });

  it('takes two photos of one person: boxes drawn, the verdict in words, the distances as a heat map', async () => {
    await startWithKeyboard();
    const soccer = fixture('one-face-soccer.jpg');
    await addPhotos(photoFile('first.jpg', soccer), photoFile('second.jpg', await sharp(soccer).resize(800).jpeg().toBuffer()));
    await page.waitForFunction("document.querySelector('#verdict')?.textContent?.startsWith('Yes')", { timeout: 30_000 });
    expect(await text('#verdict')).toBe('Yes: the same person is in all 2 photos.');
    expect(await page.$$eval('.frame .face', (boxes) => boxes.length)).toBe(2);
    // Both boxes in the identity's colour, inside their photos.
    const colours = await page.$$eval('.frame .face', (boxes) => boxes.map((box) => (box as { style: { getPropertyValue(name: string): string } }).style.getPropertyValue('--colour')));
    expect(new Set(colours).size).toBe(1);
    expect(await page.$$eval('.faces-list li', (items) => items.map((item) => item.textContent))).toEqual([
      expect.stringMatching(/^Face 1: Person A .*quality$/),
      expect.stringMatching(/^Face 1: Person A .*quality$/),
    ]);
    expect(await page.$$eval('#matrix td[aria-label*=" to "]', (cells) => cells.length)).toBe(2);
    // Next to the distance, in words, what the committed measurements say of it.
    const [label] = await page.$$eval('#matrix td[aria-label*=" to "]', (cells) => cells.map((cell) => cell.getAttribute('aria-label')!));
    const [, distance, words] = /: ([\d.]+), (.+)$/.exec(label!)!;
    expect(words).toBe(expectedWords(Number(distance)));
    expect(await text('#matrix .rates li')).toBe(`P1·F1 to P2·F1: ${Number(distance).toFixed(2)}, ${words}.`);
    expect(await text('#matrix caption')).toMatch(/^Distances between faces \(the same person below 0\.6; (about|fewer than) 1 in [\d,]+ different people are that close/);
    expect(await page.$$eval('progress', (bars) => bars.every((bar) => bar.hidden))).toBe(true);
    await page.screenshot({ path: join(artifacts, 'page-same-person.png'), fullPage: true });
  });

  it('says in plain words that a photo has no face, and takes no slot for it', async () => {
    await startWithKeyboard();
    await addPhotos(photoFile('baboon.jpg', fixture('no-face-baboon.jpg')));
    await page.waitForFunction("document.querySelector('.error')?.hidden === false", { timeout: 30_000 });
    expect(await text('.error')).toBe('No face was found in this photo. Try one where a face is clearly visible.');
    expect(await text('#verdict')).toBe('Add at least two photos to compare.');
    await page.screenshot({ path: join(artifacts, 'page-no-face.png'), fullPage: true });
  });

  it('clears the session: photos and verdict go', async () => {
    await startWithKeyboard();
    await addPhotos(photoFile('one.jpg', fixture('one-face-soccer.jpg')));
    await page.waitForSelector('.frame .face', { timeout: 30_000 });
    await page.click('#clear');
    await page.waitForFunction("document.querySelector('#status')?.textContent?.startsWith('Session cleared')");
    expect(await page.$$eval('.photo', (cards) => cards.length)).toBe(0);
    expect(await text('#verdict')).toBe('Add at least two photos to compare.');
  });

  it('cannot tell when the faces are too poor to compare, and says which photos', async () => {
    await startWithKeyboard();
    // The basketball player's face is small and blurred in both: rated low.
    await addPhotos(photoFile('b1.png', fixture('one-face-basketball-1.png')), photoFile('b2.png', fixture('one-face-basketball-2.png')));
    await page.waitForFunction("document.querySelector('#verdict')?.textContent?.startsWith('Cannot tell')", { timeout: 30_000 });
    expect(await text('#verdict')).toBe('Cannot tell: photos 1 and 2 have no face clear enough to compare. Try a larger, sharper, better-lit photo.');
    expect(await page.$$eval('.frame .face.excluded', (boxes) => boxes.length)).toBe(2);
  });

  it('fits a phone screen', async () => {
    await page.setViewport({ width: 375, height: 740, isMobile: true });
    await startWithKeyboard();
    await addPhotos(photoFile('phone.jpg', fixture('one-face-soccer.jpg')));
    await page.waitForSelector('.frame .face', { timeout: 30_000 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(artifacts, 'page-phone.png'), fullPage: true });
  });

  it.skipIf(!hasSeedImages)('colours two people apart and answers no when someone is missing from a photo', async () => {
    await startWithKeyboard();
    const twoFaces = seedImage('two-faces.jpg');
    await addPhotos(photoFile('two.jpg', twoFaces), photoFile('soccer.jpg', fixture('one-face-soccer.jpg')));
    await page.waitForFunction("document.querySelector('#verdict')?.textContent?.startsWith('No')", { timeout: 30_000 });
    expect(await text('#verdict')).toBe('No: nobody is in all 2 photos.');
    const colours = await page.$$eval('.frame .face', (boxes) => boxes.map((box) => (box as { style: { getPropertyValue(name: string): string } }).style.getPropertyValue('--colour')));
    expect(colours).toHaveLength(3);
    expect(new Set(colours).size).toBe(3);
    // Every pair of faces from two photos, in words from the committed measurements, near or far.
    const labels = await page.$$eval('#matrix td[aria-label*=" to "]:not(.same-photo)', (cells) => cells.map((cell) => cell.getAttribute('aria-label')!));
    expect(labels).toHaveLength(4);
    for (const label of labels) {
      const [, distance, words] = /: ([\d.]+), (.+)$/.exec(label)!;
      expect(words).toBe(expectedWords(Number(distance)));
    }
    expect(await page.$$eval('#matrix .rates li', (items) => items.length)).toBe(2);
    await page.screenshot({ path: join(artifacts, 'page-two-people.png'), fullPage: true });
  });
});

/** The words the page should give for a distance, from models/match-rates.json (the page gets them through /verification). */
function expectedWords(distance: number): string {
  const rates = loadMatchRates();
  const at = rateAt(rates, distance);
  const roughly = (count: number) => {
    const digits = Math.max(0, Math.floor(Math.log10(count)) - 1);
    return (Math.round(count / 10 ** digits) * 10 ** digits).toLocaleString('en');
  };
  const rate = Number(at.falseMatchRate.toPrecision(3));
  if (at.falseMatches === 0) return `fewer than 1 in ${roughly(1 / Number(at.falseMatchUpperBound.toPrecision(3)))} different people are this close, the most our data can tell`;
  if (rate >= 0.5) return `as far apart as different people usually are (${Math.round(rate * 100)}% of them are this close)`;
  return rate >= 0.05 ? `about ${Math.round(rate * 100)}% of different people are this close` : `about 1 in ${roughly(1 / rate)} different people are this close`;
}

