import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { SharpImageInspector } from '../../src/adapters/SharpImageInspector.ts';
import { fixture } from '../support/fixtures.ts';

const inspector = new SharpImageInspector({ maxInputPixels: 50_000_000 });

function blank(width: number, height: number): Sharp {
  return sharp({ create: { width, height, channels: 3, background: '#808080' } });
}

/** A valid PNG whose header claims another size: how a decompression bomb announces itself. */
async function pngDeclaring(width: number, height: number): Promise<Buffer> {
  const png = await blank(1, 1).png().toBuffer();
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

describe('SharpImageInspector', () => {
  it.each([
    ['jpeg', () => blank(16, 8).jpeg()],
    ['png', () => blank(16, 8).png()],
    ['webp', () => blank(16, 8).webp()],
    ['gif', () => blank(16, 8).gif()],
    ['tiff', () => blank(16, 8).tiff()],
    ['avif', () => blank(16, 8).avif()],
  ] as const)('accepts %s and reads its size', async (format, make) => {
    const bytes = await make().toBuffer();
    await expect(inspector.inspect(bytes)).resolves.toEqual({ format, width: 16, height: 8 });
  });

  it('gives the size after EXIF orientation', async () => {
    const bytes = await blank(16, 8).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    await expect(inspector.inspect(bytes)).resolves.toEqual({ format: 'jpeg', width: 8, height: 16 });
  });

  it('refuses SVG, an image format it does not take, as unsupported_media_type', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="16" height="8"><rect width="16" height="8"/></svg>');
    await expect(inspector.inspect(svg)).rejects.toMatchObject({ code: 'unsupported_media_type' });
  });

  it('decides the format from the magic bytes, and no libvips loader in the process reads what it does not take', async () => {
    // What took librsvg 5 s of CPU before its 415: 3,000 CSS rules over 30,000 rectangles.
    const rules = Array.from({ length: 3000 }, (_, i) => `rect.c${i}:nth-child(${i + 1}) { fill: #${(i * 2654435761 % 0xffffff).toString(16).padStart(6, '0')}; }`).join('\n');
    const rects = Array.from({ length: 30000 }, (_, i) => `<rect class="c${i % 3000}" x="${i % 200}" y="${Math.floor(i / 200)}" width="1" height="1"/>`).join('');
    const heavy = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="2000"><style>${rules}</style>${rects}</svg>`);
    await expect(inspector.inspect(heavy)).rejects.toMatchObject({ code: 'unsupported_media_type' });
    // Not even by accident: sharp itself no longer parses an SVG, a PDF or a HEIC here.
    await expect(sharp(heavy).metadata()).rejects.toThrow();
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    await expect(inspector.inspect(pdf)).rejects.toMatchObject({ code: 'unsupported_media_type' });
    // The accepted formats still decode, pixels and all.
    await expect(sharp(fixture('one-face-soccer.jpg')).raw().toBuffer()).resolves.toBeInstanceOf(Buffer);
  });

  it.each([
    ['text', Buffer.from('hello, I am not an image\n')],
    ['empty bytes', Buffer.alloc(0)],
  ])('refuses %s as invalid_image', async (_, bytes) => {
    await expect(inspector.inspect(bytes)).rejects.toMatchObject({ code: 'invalid_image' });
  });

  it('refuses a header declaring more pixels than the limit as file_too_large', async () => {
    await expect(inspector.inspect(await pngDeclaring(100_000, 100_000))).rejects.toMatchObject({
      code: 'file_too_large',
    });
  });

  it('accepts exactly the pixel limit and refuses one row more', async () => {
    const small = new SharpImageInspector({ maxInputPixels: 100 });
    await expect(small.inspect(await blank(10, 10).png().toBuffer())).resolves.toMatchObject({ width: 10 });
    await expect(small.inspect(await blank(10, 11).png().toBuffer())).rejects.toMatchObject({
      code: 'file_too_large',
    });
  });

  it('reads the header only: a truncated JPEG passes here, and its decode refuses it later', async () => {
    const jpeg = fixture('one-face-soccer.jpg');
    await expect(inspector.inspect(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).resolves.toMatchObject({ format: 'jpeg' });
  });
});
