/** Player arithmetic: seeking, frame stepping, playback rates, time display. */

export const RATES = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4] as const;

/** The next rate up (`step` 1) or down (-1) from `current`, staying within RATES. */
export function stepRate(current: number, step: 1 | -1): number {
  const i = RATES.findIndex((r) => r >= current - 1e-9);
  const here = i === -1 ? RATES.length - 1 : i;
  const onStep = i !== -1 && Math.abs(RATES[here]! - current) < 1e-9;
  // Off the list (e.g. 1.1): going up lands on the next rate above, going down on the one below.
  const next = step === 1 ? (onStep ? here + 1 : here) : here - 1;
  return RATES[Math.min(RATES.length - 1, Math.max(0, next))]!;
}

export function seekTarget(t: number, seconds: number, duration: number): number {
  return Math.min(duration, Math.max(0, t + seconds));
}

/**
 * The time that shows the previous/next frame. Frame i spans [i / fps, (i + 1) / fps);
 * landing a hair after its start keeps rounding in the decoder from showing frame i - 1.
 */
export function frameTarget(t: number, fps: number, step: 1 | -1, duration: number): number {
  const frame = Math.floor(t * fps + 1e-6) + step;
  const last = Math.max(0, Math.ceil(duration * fps - 1e-6) - 1);
  return Math.min(duration, (Math.min(last, Math.max(0, frame)) + 1e-3) / fps);
}

/** "m:ss.d", e.g. 65.25 -> "1:05.2". */
export function formatTime(t: number): string {
  const tenths = Math.floor(Math.max(0, t) * 10 + 1e-6);
  const minutes = Math.floor(tenths / 600);
  const seconds = (tenths % 600) / 10;
  return `${minutes}:${seconds.toFixed(1).padStart(4, "0")}`;
}
