import { KeyvEncodingCache } from '../../src/adapters/keyv/KeyvEncodingCache.ts';
import { memoryKeyv } from '../../src/adapters/keyv/memoryKeyv.ts';
import { LruOpenedSessions } from '../../src/adapters/memory/LruOpenedSessions.ts';
import { ClearSession } from '../../src/domain/useCases/ClearSession.ts';
import { EncodeImage } from '../../src/domain/useCases/EncodeImage.ts';
import { GetSummary } from '../../src/domain/useCases/GetSummary.ts';
import type { Cipher } from '../../src/ports/Cipher.ts';
import type { EncodingStore } from '../../src/ports/EncodingStore.ts';
import type { SessionStore } from '../../src/ports/SessionStore.ts';
import { PrefixImageInspector, ScriptedBudget, ScriptedFaceEncoder } from './ScriptedFaceEncoder.ts';

/** The real use cases over a real store, with the scripted encoder (it counts its calls). */
export function useCasesOver(store: SessionStore & EncodingStore, cipher: Cipher) {
  const encoder = new ScriptedFaceEncoder();
  const deps = {
    sessions: store,
    encodings: store,
    cache: new KeyvEncodingCache(memoryKeyv(100)),
    cipher,
    opened: new LruOpenedSessions({ maxSessions: 10, maxAgeMs: 60_000 }),
    encoder,
    inspector: new PrefixImageInspector(),
  };
  return { encoder, summary: new GetSummary(deps), encode: new EncodeImage({ ...deps, budget: new ScriptedBudget(), sessionImageLimit: 5, maxFaces: 5 }), clear: new ClearSession(deps) };
}
