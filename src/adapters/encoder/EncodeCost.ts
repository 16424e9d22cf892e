/** Weight of the newest timed encode: recent enough to follow a change of load, smooth enough to ignore one odd photo. */
const SMOOTHING = 0.2;
/**
 * How strongly the per-pixel cost is held to its first guess, in units of one timed encode
 * a megapixel away from the others. Photos of one size say nothing about the cost of
 * pixels, so until their sizes differ the guess stands; a mix of small photos and one of
 * 20 megapixels outweighs it at once.
 */
const PRIOR_STRENGTH = 1;

export interface CostGuess {
  /** What any image costs: reading the file, the networks on the downsized picture. */
  readonly fixedMs: number;
  /** What each megapixel in the header adds: decoding it. */
  readonly msPerMegapixel: number;
}

/**
 * What an encode costs in milliseconds, as `fixed + perMegapixel x megapixels`, fitted
 * to timed encodes by least squares with exponentially decaying weights (weight 0.2 to
 * the newest), and pulled towards the first guess where the encodes timed so far cannot
 * tell the two terms apart. Megapixels are those of the image's header: what the decoder
 * has to go through, even where the engine then works on a smaller copy.
 */
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

  /** Predicted milliseconds for an image of `pixels`. */
  predictMs(pixels: number): number {
    const { fixedMs, msPerMegapixel } = this.#fit();
    return fixedMs + msPerMegapixel * (pixels / 1e6);
  }

  /** Records a timed encode. */
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
