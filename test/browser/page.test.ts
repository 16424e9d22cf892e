import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

describe.skipIf(!hasChromium)('the page at /', () => {
  it('labels every control for keyboards and screen readers, and needs no CDN', async () => {
    expect(await page.$eval('#files', (input) => (input as { labels?: { textContent: string | null }[]; disabled: boolean }).labels?.[0]?.textContent)).toMatch(/choose photos/);
    expect(await page.$eval('#files', (input) => (input as { labels?: { textContent: string | null }[]; disabled: boolean }).disabled)).toBe(true);
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
    await page.screenshot({ path: join(artifacts, 'page-two-people.png'), fullPage: true });
  });
});
