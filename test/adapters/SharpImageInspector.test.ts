import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { SharpImageInspector } from '../../src/adapters/SharpImageInspector.ts';
import { fixture } from '../support/fixtures.ts';

const inspector = new SharpImageInspector({ maxInputPixels: 50_000_000, verifyDecode: false });
const decoding = new SharpImageInspector({ maxInputPixels: 50_000_000, verifyDecode: true });

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
    const small = new SharpImageInspector({ maxInputPixels: 100, verifyDecode: true });
    await expect(small.inspect(await blank(10, 10).png().toBuffer())).resolves.toMatchObject({ width: 10 });
    await expect(small.inspect(await blank(10, 11).png().toBuffer())).rejects.toMatchObject({
      code: 'file_too_large',
    });
  });

  it('refuses a truncated JPEG as invalid_image only when told to decode it (remote encoder)', async () => {
    const jpeg = fixture('one-face-soccer.jpg');
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    await expect(inspector.inspect(truncated)).resolves.toMatchObject({ format: 'jpeg' });
    await expect(decoding.inspect(truncated)).rejects.toMatchObject({ code: 'invalid_image' });
    await expect(decoding.inspect(jpeg)).resolves.toMatchObject({ format: 'jpeg' });
  });
});
