import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { MatchRates } from '../domain/matchRates.ts';

/** Committed beside the models; `npm run eval -- --write-match-rates` makes it. */
export const matchRatesFile = new URL('../../models/match-rates.json', import.meta.url);

const counts = z.array(z.number().int().min(0)).min(2);
const schema = z
  .object({
    engine: z.string().min(1),
    sets: z.array(z.string()),
    step: z.number().positive(),
    genuinePairs: z.number().int().positive(),
    impostorPairs: z.number().int().positive(),
    genuineAtMost: counts,
    impostorsAtMost: counts,
  })
  .refine((rates) => rates.genuineAtMost.length === rates.impostorsAtMost.length, 'one count per step for both kinds of pair');

export function loadMatchRates(file: URL = matchRatesFile): MatchRates {
  return schema.parse(JSON.parse(readFileSync(file, 'utf8')));
}
