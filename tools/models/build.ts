import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { modelPath, shippedModels } from './shippedModels.ts';

// `npm run models`: makes the networks in models/ again from their sources. Only a change
// to a source (face-api's weights, YuNet, these converters) calls for it; test/tools/models.test.ts
// fails until the committed files match what this writes.
for (const model of shippedModels) {
  const bytes = model.build();
  writeFileSync(modelPath(model.file), bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  console.log(`models/${model.file}: ${(bytes.byteLength / 2 ** 20).toFixed(2)} MiB, sha256 ${sha256}`);
}
