import { faceApiNetwork, networkNames } from '../adapters/encoder/faceApiOnnx/faceApiGraphs.ts';
import { networkBytes } from '../adapters/encoder/onnx/networkCache.ts';
import { loadEncoderServiceConfig, orExit } from './config.ts';

// `npm run models`: converts face-api's networks to ONNX into MODEL_CACHE_DIR now, so a
// start never has to (the Docker image runs this at build, where the cache is writable).
const config = orExit(loadEncoderServiceConfig);
for (const name of networkNames) {
  const bytes = networkBytes(faceApiNetwork(name), config.MODEL_CACHE_DIR, (error) => {
    throw error;
  });
  console.log(`${name}: ${(bytes.byteLength / 2 ** 20).toFixed(1)} MiB in ${config.MODEL_CACHE_DIR}`);
}
