import { MemoryStore } from '../../src/adapters/memory/MemoryStore.ts';
import { sessionStoreContract } from '../contracts/sessionStoreContract.ts';

sessionStoreContract('memory', (expiry) => new MemoryStore(expiry));
