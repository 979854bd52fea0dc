/**
 * What a segment carries in both segment editors (the annotator's and the adjudicator's):
 * its layer choices and free-text fields, the edit bounds, how a merge combines labels and
 * how a server field path points at a segment.
 */

import type { Choices } from "./labels";
import type { Bounds, Segment } from "./segments";

export interface SegmentLabels {
  readonly choices: Choices;
  /** Free-text fields of the segment (cues, speaker, transcripts), kept as they were. */
  readonly text: Readonly<Record<string, string>>;
}

export type LabelledSegment = Segment<SegmentLabels>;

export const EMPTY_LABELS: SegmentLabels = { choices: {}, text: {} };

/** Segment edits keep at least this length, seconds. */
export const MIN_SEGMENT_S = 0.2;

export function boundsFor(duration: number | null): Bounds {
  return { duration: duration ?? 0, minLength: MIN_SEGMENT_S };
}

/** A merged segment keeps the first one's labels, unless only the second one has any. */
export function mergeLabels(first: SegmentLabels, second: SegmentLabels): SegmentLabels {
  return Object.keys(first.choices).length ? first : second;
}

/** Where a server field points in a stream payload: the segment index and the layer, if any. */
export function segmentField(field: string): { index: number; layer: string | null } | null {
  const match = /^segments\[(\d+)\](?:\.(\w+))?$/.exec(field);
  return match ? { index: Number(match[1]), layer: match[2] ?? null } : null;
}
