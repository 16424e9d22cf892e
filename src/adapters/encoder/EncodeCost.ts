/** Weight of the newest timed encode: recent enough to follow a change of load, smooth enough to ignore one odd photo. */
const SMOOTHING = 0.2;
/** Pull towards the first guess, in timed encodes a megapixel from the others: until photo sizes differ, the per-pixel guess stands. */
const PRIOR_STRENGTH = 1;

export interface CostGuess {
  readonly fixedMs: number;
  readonly msPerMegapixel: number;
}

/** Milliseconds as `fixed + perMegapixel x megapixels` of the header (what the decoder reads), by weighted least squares. Why: docs/adr/0005-admission-to-the-encoder.md */
export class EncodeCost {
  readonly #guess: CostGuess;
  // Exponentially weighted sums of 1, x, y, x², xy (x in megapixels, y in ms).
  #w = 0;
  #x = 0;
  #y = 0;
  #xx = 0;
  #xy = 0;

  constructor(guess: CostGuess) {
    this.#guess = guess;
  }

  predictMs(pixels: number): number {
    const { fixedMs, msPerMegapixel } = this.#fit();
    return fixedMs + msPerMegapixel * (pixels / 1e6);
  }

  learn(pixels: number, ms: number): void {
    const x = pixels / 1e6;
    const keep = 1 - SMOOTHING;
    this.#w = keep * this.#w + SMOOTHING;
    this.#x = keep * this.#x + SMOOTHING * x;
    this.#y = keep * this.#y + SMOOTHING * ms;
    this.#xx = keep * this.#xx + SMOOTHING * x * x;
    this.#xy = keep * this.#xy + SMOOTHING * x * ms;
  }

  #fit(): CostGuess {
    if (this.#w === 0) return this.#guess;
    const meanX = this.#x / this.#w;
    const meanY = this.#y / this.#w;
    const spreadX = this.#xx - this.#w * meanX * meanX;
    const together = this.#xy - this.#w * meanX * meanY;
    const slope = Math.max(0, (together + PRIOR_STRENGTH * this.#guess.msPerMegapixel) / (spreadX + PRIOR_STRENGTH));
    return { fixedMs: Math.max(0, meanY - slope * meanX), msPerMegapixel: slope };
  }
}
