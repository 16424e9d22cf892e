import { convertedNetworks } from '../adapters/encoder/engine/FaceEngine.ts';
import { networkBytes } from '../adapters/encoder/onnx/networkCache.ts';
import { loadEncoderServiceConfig } from './config.ts';
import { orExit } from './orExit.ts';

// `npm run models`: converts the engine's networks to ONNX into MODEL_CACHE_DIR now, so a
// start never has to (the Docker image runs this at build, where the cache is writable).
const config = orExit(loadEncoderServiceConfig);
for (const source of convertedNetworks()) {
  const bytes = networkBytes(source, config.MODEL_CACHE_DIR, (error) => {
    throw error;
  });
  console.log(`${source.name}: ${(bytes.byteLength / 2 ** 20).toFixed(1)} MiB in ${config.MODEL_CACHE_DIR}`);
}
