/**
 * Utterance segments on a clip's timeline: create, split, merge, resize, remove.
 *
 * Every operation takes a valid list and returns a new valid list (or null when
 * the edit is impossible, e.g. no room), never mutating its input. Valid means:
 * sorted by start, non-overlapping (touching is fine), 0 <= start, end <= duration,
 * each at least `minLength` long. Times are kept to the millisecond.
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface Segment<L> extends Span {
  readonly labels: L;
}

export interface Bounds {
  readonly duration: number;
  /** Shortest segment an edit may produce, seconds. */
  readonly minLength: number;
}

export interface Edit<L> {
  readonly segments: Segment<L>[];
  /** The segment the edit produced or changed (select it). */
  readonly index: number;
}

const ms = (t: number): number => Math.round(t * 1000) / 1000;
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Index of the segment containing `t` (start inclusive, end exclusive), or -1. */
export function indexAt<L>(segments: readonly Segment<L>[], t: number): number {
  return segments.findIndex((s) => s.start <= t && t < s.end);
}

/** A new segment over [a, b] (either order), shortened to the free room around `a`. */
export function createSegment<L>(
  segments: readonly Segment<L>[],
  a: number,
  b: number,
  labels: L,
  bounds: Bounds,
): Edit<L> | null {
  const anchor = ms(clamp(a, 0, bounds.duration));
  const other = ms(clamp(b, 0, bounds.duration));
  if (indexAt(segments, anchor) !== -1) return null;
  const next = segments.findIndex((s) => s.start >= anchor);
  const roomEnd = next === -1 ? bounds.duration : segments[next]!.start;
  const roomStart = next === -1 ? (segments.at(-1)?.end ?? 0) : (segments[next - 1]?.end ?? 0);
  const start = Math.max(roomStart, Math.min(anchor, other));
  const end = Math.min(roomEnd, Math.max(anchor, other));
  if (end - start < bounds.minLength - 1e-9) return null;
  const index = next === -1 ? segments.length : next;
  const out = [...segments];
  out.splice(index, 0, { start, end, labels });
  return { segments: out, index };
}

/** Splits segment `index` at `t`; both halves keep its labels. */
export function splitSegment<L>(
  segments: readonly Segment<L>[],
  index: number,
  t: number,
  bounds: Bounds,
): Edit<L> | null {
  const s = segments[index];
  const at = ms(t);
  if (!s || at - s.start < bounds.minLength - 1e-9 || s.end - at < bounds.minLength - 1e-9) {
    return null;
  }
  const out = [...segments];
  out.splice(index, 1, { ...s, end: at }, { ...s, start: at });
  return { segments: out, index: index + 1 };
}

/**
 * Merges segment `index` with the next one, over the gap between them. The
 * labels are `combine(first, second)`: by default the first segment's.
 */
export function mergeWithNext<L>(
  segments: readonly Segment<L>[],
  index: number,
  combine: (first: L, second: L) => L = (first) => first,
): Edit<L> | null {
  const a = segments[index];
  const b = segments[index + 1];
  if (!a || !b) return null;
  const out = [...segments];
  out.splice(index, 2, { start: a.start, end: b.end, labels: combine(a.labels, b.labels) });
  return { segments: out, index };
}

/** Moves one edge of segment `index` to `t`, stopped by its neighbours, the clip and minLength. */
export function resizeSegment<L>(
  segments: readonly Segment<L>[],
  index: number,
  edge: "start" | "end",
  t: number,
  bounds: Bounds,
): Edit<L> | null {
  const s = segments[index];
  if (!s) return null;
  const out = [...segments];
  if (edge === "start") {
    const lo = segments[index - 1]?.end ?? 0;
    out[index] = { ...s, start: ms(clamp(t, lo, s.end - bounds.minLength)) };
  } else {
    const hi = segments[index + 1]?.start ?? bounds.duration;
    out[index] = { ...s, end: ms(clamp(t, s.start + bounds.minLength, hi)) };
  }
  return { segments: out, index };
}

export function removeSegment<L>(segments: readonly Segment<L>[], index: number): Segment<L>[] {
  return segments.filter((_, i) => i !== index);
}

export function withLabels<L>(
  segments: readonly Segment<L>[],
  index: number,
  labels: L,
): Segment<L>[] {
  return segments.map((s, i) => (i === index ? { ...s, labels } : s));
}

/**
 * Valid segments from outside (reference utterances, a draft): sorted, clipped
 * to the clip, overlaps trimmed from the later segment, too-short ones dropped.
 */
export function normaliseSegments<L>(raw: readonly Segment<L>[], bounds: Bounds): Segment<L>[] {
  const out: Segment<L>[] = [];
  for (const s of [...raw].sort((x, y) => x.start - y.start)) {
    const start = ms(Math.max(clamp(s.start, 0, bounds.duration), out.at(-1)?.end ?? 0));
    const end = ms(clamp(s.end, 0, bounds.duration));
    if (end - start >= bounds.minLength - 1e-9) out.push({ ...s, start, end });
  }
  return out;
}

/** Why the list breaks an invariant, or null when it is valid. */
export function segmentsProblem<L>(segments: readonly Segment<L>[], bounds: Bounds): string | null {
  for (const [i, s] of segments.entries()) {
    if (!(s.start >= 0)) return `segment ${i + 1} starts before the clip`;
    if (s.end > bounds.duration + 1e-9) return `segment ${i + 1} ends after the clip`;
    if (s.end - s.start < bounds.minLength - 1e-9) return `segment ${i + 1} is too short`;
    const prev = segments[i - 1];
    if (prev && s.start < prev.end - 1e-9) return `segment ${i + 1} overlaps segment ${i}`;
  }
  return null;
}
