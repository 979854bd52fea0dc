/**
 * Audio peaks in the audiowaveform JSON v2 format, as written by the server:
 *
 *   {"version": 2, "channels": 1, "sample_rate": 8000, "samples_per_pixel": 160,
 *    "bits": 8, "length": N, "data": [min0, max0, min1, max1, ...]}
 *
 * With several channels the data holds, for each peak, a min/max pair per
 * channel; parsing merges them into one mono envelope. Values are normalised
 * to [-1, 1] (int8 divided by 127, int16 by 32767, clamped).
 */

export interface Waveform {
  /** Peaks per second of media: sample_rate / samples_per_pixel. */
  readonly peaksPerSecond: number;
  /** Number of peaks; 0 for a clip without audio. */
  readonly length: number;
  /** Media time covered by the peaks, in seconds. */
  readonly durationSeconds: number;
  /** Normalised minimum of each peak, in [-1, 1]. */
  readonly min: Float64Array;
  /** Normalised maximum of each peak, in [-1, 1]. */
  readonly max: Float64Array;
}

export type Column = [min: number, max: number];

const RANGES = { 8: [-128, 127, 127], 16: [-32768, 32767, 32767] } as const;

function fail(what: string): never {
  throw new Error(`Invalid waveform JSON: ${what}`);
}

function positiveInteger(obj: Record<string, unknown>, key: string): number {
  const value = obj[key];
  if (!Number.isInteger(value) || (value as number) <= 0) {
    fail(`"${key}" must be a positive integer (got ${JSON.stringify(value)})`);
  }
  return value as number;
}

export function parseWaveform(json: unknown): Waveform {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    fail("expected an object");
  }
  const obj = json as Record<string, unknown>;
  if (obj.version !== 2) {
    fail(`unsupported "version" ${JSON.stringify(obj.version)} (expected 2)`);
  }
  const channels = positiveInteger(obj, "channels");
  const sampleRate = positiveInteger(obj, "sample_rate");
  const samplesPerPixel = positiveInteger(obj, "samples_per_pixel");
  const bits = obj.bits;
  if (bits !== 8 && bits !== 16) {
    fail(`"bits" must be 8 or 16 (got ${JSON.stringify(bits)})`);
  }
  const length = obj.length;
  if (!Number.isInteger(length) || (length as number) < 0) {
    fail(`"length" must be an integer >= 0 (got ${JSON.stringify(length)})`);
  }
  const n = length as number;
  const data = obj.data;
  if (!Array.isArray(data)) {
    fail('"data" must be an array');
  }
  if (data.length !== n * channels * 2) {
    fail(
      `"data" has ${data.length} values, expected length * channels * 2 = ${n * channels * 2}`,
    );
  }
  const [lo, hi, scale] = RANGES[bits];
  const value = (i: number): number => {
    const v = data[i];
    if (!Number.isInteger(v) || (v as number) < lo || (v as number) > hi) {
      fail(`"data"[${i}] must be an integer in [${lo}, ${hi}] (got ${JSON.stringify(v)})`);
    }
    return Math.max(-1, (v as number) / scale);
  };

  const min = new Float64Array(n);
  const max = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    let pMin = Infinity;
    let pMax = -Infinity;
    for (let c = 0; c < channels; c++) {
      const i = (p * channels + c) * 2;
      pMin = Math.min(pMin, value(i));
      pMax = Math.max(pMax, value(i + 1));
    }
    min[p] = pMin;
    max[p] = pMax;
  }
  const peaksPerSecond = sampleRate / samplesPerPixel;
  return { peaksPerSecond, length: n, durationSeconds: n / peaksPerSecond, min, max };
}

/**
 * Min/max envelope for `n` pixel columns, column `i` covering media time
 * [startSeconds + i * secondsPerColumn, startSeconds + (i + 1) * secondsPerColumn).
 *
 * - Zoomed out (a column spans >= 1 peak): min of mins and max of maxes of the
 *   peaks whose index lies in the column's (fractional) peak range.
 * - Zoomed in (a column spans < 1 peak): linear interpolation between the
 *   centres of neighbouring peaks, evaluated at the column centre.
 * - Columns outside the waveform, and every column of an empty waveform, are [0, 0].
 */
export function columns(
  w: Waveform,
  startSeconds: number,
  secondsPerColumn: number,
  n: number,
): Column[] {
  if (!Number.isFinite(startSeconds)) {
    throw new RangeError(`startSeconds must be finite (got ${startSeconds})`);
  }
  if (!Number.isFinite(secondsPerColumn) || secondsPerColumn <= 0) {
    throw new RangeError(`secondsPerColumn must be finite and > 0 (got ${secondsPerColumn})`);
  }
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`column count must be an integer >= 0 (got ${n})`);
  }
  const out: Column[] = [];
  const peaksPerColumn = secondsPerColumn * w.peaksPerSecond;
  const first = startSeconds * w.peaksPerSecond;
  for (let i = 0; i < n; i++) {
    const p0 = first + i * peaksPerColumn;
    out.push(
      peaksPerColumn >= 1
        ? aggregate(w, snapFloor(p0), snapFloor(p0 + peaksPerColumn))
        : interpolate(w, p0 + peaksPerColumn / 2),
    );
  }
  return out;
}

/** floor() that ignores floating-point error just below an integer (e.g. 2.9999999999). */
function snapFloor(x: number): number {
  return Math.floor(x + 1e-9);
}

/** Envelope of peaks with index in [from, to), clipped to the waveform. */
function aggregate(w: Waveform, from: number, to: number): Column {
  const start = Math.max(0, from);
  const end = Math.min(w.length, to);
  if (start >= end) return [0, 0];
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = start; p < end; p++) {
    lo = Math.min(lo, w.min[p]!);
    hi = Math.max(hi, w.max[p]!);
  }
  return [lo, hi];
}

/** Envelope at fractional peak position `pos` (peak k is centred on k + 0.5). */
function interpolate(w: Waveform, pos: number): Column {
  if (pos < 0 || pos >= w.length) return [0, 0];
  const x = pos - 0.5;
  const k = Math.floor(x);
  const f = x - k;
  const a = Math.max(0, k);
  const b = Math.min(w.length - 1, k + 1);
  return [
    w.min[a]! + (w.min[b]! - w.min[a]!) * f,
    w.max[a]! + (w.max[b]! - w.max[a]!) * f,
  ];
}
