/**
 * Segments compared on one time axis: each annotator's segments (and the
 * reference utterances) as a lane, placed as fractions of the clip, and the
 * stretches where the annotators' primary labels differ.
 */

import { type Layer, options } from "../model/labels";
import type { Span } from "../model/segments";
import type { Payload } from "./types";

export interface LaneSegment extends Span {
  /** Position in the payload's segment list. */
  readonly index: number;
  /** The primary label's value, or null when the segment has none. */
  readonly value: string | null;
  readonly fields: Payload;
}

/** The well-formed segments of a stream payload, in time order. */
export function laneSegments(payload: Payload, primary: string | undefined): LaneSegment[] {
  const raw = payload.segments;
  if (!Array.isArray(raw)) return [];
  return raw
    .flatMap((s: unknown, index): LaneSegment[] => {
      if (typeof s !== "object" || s === null) return [];
      const fields = s as Payload;
      const { start, end } = fields;
      if (typeof start !== "number" || typeof end !== "number" || !(end > start)) return [];
      const value = primary ? fields[primary] : undefined;
      return [{ start, end, index, value: typeof value === "string" ? value : null, fields }];
    })
    .sort((a, b) => a.start - b.start);
}

export interface Placement {
  /** Fractions of the clip's duration, within [0, 1]. */
  readonly left: number;
  readonly width: number;
}

export function place(span: Span, duration: number): Placement {
  if (!(duration > 0)) return { left: 0, width: 0 };
  const clamp = (t: number): number => Math.min(1, Math.max(0, t / duration));
  const left = clamp(span.start);
  return { left, width: Math.max(0, clamp(span.end) - left) };
}

const EPS = 1e-6;

/**
 * The stretches of [0, duration] where the lanes disagree: their primary
 * labels differ, or some lanes have a segment there and others none.
 * Adjacent stretches are merged. Fewer than two lanes never disagree.
 */
export function disagreements(
  lanes: readonly (readonly LaneSegment[])[],
  duration: number,
): Span[] {
  if (lanes.length < 2 || !(duration > 0)) return [];
  const cuts = new Set([0, duration]);
  for (const lane of lanes) {
    for (const s of lane) {
      cuts.add(Math.min(duration, Math.max(0, s.start)));
      cuts.add(Math.min(duration, Math.max(0, s.end)));
    }
  }
  const times = [...cuts].sort((a, b) => a - b);
  const out: Span[] = [];
  for (let i = 1; i < times.length; i++) {
    const start = times[i - 1]!;
    const end = times[i]!;
    if (end - start < EPS) continue;
    const mid = (start + end) / 2;
    const found = lanes.map((lane) => lane.find((s) => s.start <= mid && mid < s.end));
    if (found.every((s) => s === undefined)) continue;
    const keys = new Set(found.map((s) => (s === undefined ? "\u0000none" : (s.value ?? ""))));
    if (keys.size < 2) continue;
    const last = out.at(-1);
    if (last && Math.abs(last.end - start) < EPS) out[out.length - 1] = { start: last.start, end };
    else out.push({ start, end });
  }
  return out;
}

/** Tick times for a time axis of `duration`: a round step giving at most `maxTicks` ticks. */
export function ticks(duration: number, maxTicks = 10): number[] {
  if (!(duration > 0)) return [0];
  const step =
    [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].find(
      (d) => duration / d < maxTicks,
    ) ?? 3600;
  return Array.from({ length: Math.floor(duration / step + 1e-9) + 1 }, (_, i) => i * step);
}

export function totalSeconds(spans: readonly Span[]): number {
  return spans.reduce((sum, s) => sum + (s.end - s.start), 0);
}

/** Light fills, dark text on all: one per label of the primary layer, in schema order. */
export const PALETTE = [
  "#ffd8b5",
  "#b6e3ff",
  "#c2f0c2",
  "#fff2a8",
  "#e8d5ff",
  "#ffc9e0",
  "#d0d7de",
  "#a8f0e8",
  "#f5c8a8",
  "#cdd9ff",
] as const;
export const NO_LABEL_COLOUR = "#ffffff";

/** The fill of a segment whose primary label is `value`. */
export function labelColour(layer: Layer | undefined, value: string | null): string {
  if (!layer || value === null) return NO_LABEL_COLOUR;
  const index = options(layer).findIndex((l) => l.value === value);
  return index < 0 ? NO_LABEL_COLOUR : PALETTE[index % PALETTE.length]!;
}
