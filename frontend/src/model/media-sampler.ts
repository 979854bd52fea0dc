/**
 * Sampling a continuous input against MEDIA time, not wall time.
 *
 * The grid is t_k = k / rate. The recorder reads the media clock once per tick
 * (animation frame or video frame); when the media has played from t1 to t2 it
 * emits every grid point with t1 < t_k <= t2, all carrying the input value read
 * at that tick. So playback rate, dropped frames and a slow tick change how many
 * samples one tick emits, never which grid points exist, and pausing emits nothing.
 * A seek (or any backward move) is a jump: nothing is emitted for the skipped
 * stretch, and the next sample is the first grid point at or after the new position.
 */

/** Grid arithmetic tolerates floating-point error: 0.28 * 25 = 7.000000000000001. */
const EPS = 1e-6;

/** Indices [from, to) of the grid points passed by one tick. */
export interface GridRange {
  readonly from: number;
  readonly to: number;
}

export function firstIndexAtOrAfter(t: number, rateHz: number): number {
  return Math.max(0, Math.ceil(t * rateHz - EPS));
}

export function lastIndexAtOrBefore(t: number, rateHz: number): number {
  return Math.floor(t * rateHz + EPS);
}

export class MediaSampler {
  readonly rateHz: number;
  /** Next grid index to emit; the media position at the last tick. */
  #next = 0;
  #last = 0;
  /** How late, in media seconds, each emitted grid point was read (its jitter). */
  readonly lag: LagStats;

  constructor(rateHz: number) {
    if (!(rateHz > 0) || !Number.isFinite(rateHz)) {
      throw new RangeError(`rate must be a finite number > 0 (got ${rateHz})`);
    }
    this.rateHz = rateHz;
    this.lag = new LagStats(1 / rateHz);
  }

  /** The grid index the next emitted sample will have. */
  get nextIndex(): number {
    return this.#next;
  }

  /** The media moved without playing through (start, seek): skip to `t`. */
  jumpTo(t: number): void {
    requireTime(t);
    this.#next = firstIndexAtOrAfter(t, this.rateHz);
    this.#last = t;
  }

  /** The media played on to `t`: the grid points passed since the last tick. */
  advanceTo(t: number): GridRange {
    requireTime(t);
    if (t < this.#last - EPS) {
      this.jumpTo(t);
      return { from: this.#next, to: this.#next };
    }
    this.#last = Math.max(this.#last, t);
    const from = this.#next;
    const to = Math.max(from, lastIndexAtOrBefore(t, this.rateHz) + 1);
    for (let k = from; k < to; k++) this.lag.add(Math.max(0, t - k / this.rateHz));
    this.#next = to;
    return { from, to };
  }
}

/**
 * Running mean and maximum of the read lag, without keeping the values, and how
 * many reads came a whole sample period late or more (the next grid point had
 * already passed: two samples then share one reading).
 */
export class LagStats {
  readonly period: number;
  count = 0;
  max = 0;
  late = 0;
  #sum = 0;

  constructor(period: number) {
    this.period = period;
  }

  add(value: number): void {
    this.count += 1;
    this.#sum += value;
    this.max = Math.max(this.max, value);
    if (value >= this.period - 1e-9) this.late += 1;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.#sum / this.count;
  }
}

function requireTime(t: number): void {
  if (!Number.isFinite(t) || t < 0) {
    throw new RangeError(`media time must be a finite number >= 0 (got ${t})`);
  }
}
