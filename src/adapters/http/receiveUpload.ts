import multer from '@koa/multer';
import type { Context } from 'koa';
import multerCore from 'multer';
import { Failure } from '../../domain/Failure.ts';
import { continueUpload } from './httpServer.ts';
import { uploadedFile } from './schemas.ts';

/** Refuses the file as it streams past `maxBytes`; multer's errors become SPEC codes (Koa would answer 500). undefined: no file. */
export function uploadReceiver(maxBytes: number): (ctx: Context) => Promise<Buffer | undefined> {
  const single = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 64 * 1024, parts: 20 },
  }).single('file');

  return async function receiveUpload(ctx) {
    continueUpload(ctx.res);
    try {
      await single(ctx, async () => {});
    } catch (error) {
      if (error instanceof multerCore.MulterError && error.code === 'LIMIT_FILE_SIZE') {
        throw new Failure('file_too_large', `The file is larger than ${maxBytes} bytes.`, { cause: error });
      }
      throw new Failure('missing_file', 'Send exactly one image as multipart/form-data in a part named "file".', {
        cause: error,
      });
    }
    const file = uploadedFile.parse(ctx.file);
    return file && file.buffer.byteLength > 0 ? file.buffer : undefined;
  };
}
