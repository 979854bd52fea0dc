/**
 * Mapping between media time (seconds) and horizontal pixels for a zoomable,
 * scrollable timeline. Pixels are CSS pixels relative to the left edge of the
 * viewport; `scrollSeconds` is the media time shown at pixel 0.
 *
 * Invariants kept by every mutation:
 * - `minPxPerSecond <= pxPerSecond <= maxPxPerSecond`
 * - `0 <= scrollSeconds <= max(0, duration - viewportPx / pxPerSecond)`,
 *   i.e. the view never starts before 0 nor scrolls past the end.
 */

export const DEFAULT_MIN_PX_PER_SECOND = 0.01;
export const DEFAULT_MAX_PX_PER_SECOND = 1000;

export interface TimescaleOptions {
  /** Media duration in seconds (>= 0). */
  duration: number;
  /** Width of the visible area in CSS pixels (>= 0). */
  viewportPx: number;
  /** Lower zoom limit; zooming out also stops once the whole duration fits. */
  minPxPerSecond?: number;
  /** Upper zoom limit. */
  maxPxPerSecond?: number;
  /** Initial zoom; defaults to the zoom at which the whole duration fits. */
  pxPerSecond?: number;
  /** Initial scroll position in seconds; defaults to 0. */
  scrollSeconds?: number;
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

function requireNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0 (got ${value})`);
  }
}

function requirePositive(name: string, value: number): void {
  if (!(value > 0)) {
    throw new RangeError(`${name} must be > 0 (got ${value})`);
  }
}

export class Timescale {
  readonly duration: number;
  readonly viewportPx: number;
  /** Effective lower zoom limit: the "whole clip fits" zoom, within the configured limits. */
  readonly minPxPerSecond: number;
  readonly maxPxPerSecond: number;
  #pxPerSecond: number;
  #scrollSeconds = 0;

  constructor(options: TimescaleOptions) {
    const {
      duration,
      viewportPx,
      minPxPerSecond = DEFAULT_MIN_PX_PER_SECOND,
      maxPxPerSecond = DEFAULT_MAX_PX_PER_SECOND,
    } = options;
    requireNonNegative("duration", duration);
    requireNonNegative("viewportPx", viewportPx);
    requirePositive("minPxPerSecond", minPxPerSecond);
    requirePositive("maxPxPerSecond", maxPxPerSecond);
    if (minPxPerSecond > maxPxPerSecond) {
      throw new RangeError(
        `minPxPerSecond (${minPxPerSecond}) must not exceed maxPxPerSecond (${maxPxPerSecond})`,
      );
    }
    this.duration = duration;
    this.viewportPx = viewportPx;
    this.maxPxPerSecond = maxPxPerSecond;
    const fit = duration > 0 && viewportPx > 0 ? viewportPx / duration : minPxPerSecond;
    this.minPxPerSecond = clamp(fit, minPxPerSecond, maxPxPerSecond);
    this.#pxPerSecond = clamp(
      options.pxPerSecond ?? this.minPxPerSecond,
      this.minPxPerSecond,
      this.maxPxPerSecond,
    );
    this.scrollTo(options.scrollSeconds ?? 0);
  }

  get pxPerSecond(): number {
    return this.#pxPerSecond;
  }

  get scrollSeconds(): number {
    return this.#scrollSeconds;
  }

  /** Media time shown across the whole viewport at the current zoom. */
  get visibleSeconds(): number {
    return this.viewportPx / this.#pxPerSecond;
  }

  timeToPx(t: number): number {
    return (t - this.#scrollSeconds) * this.#pxPerSecond;
  }

  pxToTime(px: number): number {
    return this.#scrollSeconds + px / this.#pxPerSecond;
  }

  /** Scrolls so that `seconds` is at the left edge, as far as the clamps allow. */
  scrollTo(seconds: number): void {
    if (Number.isNaN(seconds)) {
      throw new RangeError("scrollSeconds must be a number (got NaN)");
    }
    const maxScroll = Math.max(0, this.duration - this.visibleSeconds);
    this.#scrollSeconds = clamp(seconds, 0, maxScroll);
  }

  /**
   * Multiplies the zoom by `factor` (> 1 zooms in) while keeping the media
   * time under `anchorPx` at `anchorPx`, unless a zoom limit or the scroll
   * clamps forbid it.
   */
  zoomAround(anchorPx: number, factor: number): void {
    if (!Number.isFinite(factor) || factor <= 0) {
      throw new RangeError(`zoom factor must be a finite number > 0 (got ${factor})`);
    }
    const anchorTime = this.pxToTime(anchorPx);
    this.#pxPerSecond = clamp(
      this.#pxPerSecond * factor,
      this.minPxPerSecond,
      this.maxPxPerSecond,
    );
    this.scrollTo(anchorTime - anchorPx / this.#pxPerSecond);
  }
}
