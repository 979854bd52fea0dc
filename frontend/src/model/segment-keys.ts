/**
 * The segment-editing keys (A S M [ ] Delete P N), one behaviour for the
 * annotator's and the adjudicator's editors: each answers the new segments
 * and selection with a sentence saying what changed, or why nothing did.
 */

import { gettext } from "../i18n";
import { formatTime } from "./playback";
import {
  type Bounds,
  createSegment,
  indexAt,
  mergeWithNext,
  removeSegment,
  resizeSegment,
  type Segment,
  splitSegment,
} from "./segments";
import type { Action } from "./shortcuts";

const NEW_SEGMENT_SECONDS = 2;

export type SegmentAction = Extract<
  Action,
  {
    name:
      | "segment-new"
      | "segment-split"
      | "segment-merge"
      | "segment-start"
      | "segment-end"
      | "segment-delete"
      | "segment-select";
  }
>;

const SEGMENT_ACTIONS: ReadonlySet<string> = new Set([
  "segment-new",
  "segment-split",
  "segment-merge",
  "segment-start",
  "segment-end",
  "segment-delete",
  "segment-select",
]);

export function isSegmentAction(action: Action): action is SegmentAction {
  return SEGMENT_ACTIONS.has(action.name);
}

export type KeyEdit<L> =
  | { ok: true; segments: Segment<L>[]; index: number; message: string }
  | { ok: false; message: string };

export interface EditContext<L> {
  readonly segments: readonly Segment<L>[];
  readonly selected: number;
  /** The playhead. */
  readonly time: number;
  readonly bounds: Bounds;
  /** The labels of a new segment. */
  readonly empty: L;
  readonly merge?: (first: L, second: L) => L;
}

/** What `action` does to the segments; `message` goes to the workspace's status line. */
export function segmentKey<L>(action: SegmentAction, c: EditContext<L>): KeyEdit<L> {
  const { segments, selected, time: t, bounds } = c;
  const fail = (message: string): KeyEdit<L> => ({ ok: false, message });
  const number = selected + 1;
  switch (action.name) {
    case "segment-new": {
      const edit = createSegment(segments, t, t + NEW_SEGMENT_SECONDS, c.empty, bounds);
      if (!edit) return fail(gettext("No room for a new segment at the playhead."));
      return {
        ok: true,
        ...edit,
        message: gettext("Segment %(number)s added at %(time)s.", {
          number: edit.index + 1,
          time: formatTime(t),
        }),
      };
    }
    case "segment-split": {
      const edit = splitSegment(segments, indexAt(segments, t), t, bounds);
      if (!edit) {
        return fail(
          gettext("Put the playhead inside a segment, away from its edges, to split it."),
        );
      }
      return {
        ok: true,
        ...edit,
        message: gettext("Segment split at %(time)s.", { time: formatTime(t) }),
      };
    }
    case "segment-merge": {
      const edit = mergeWithNext(segments, selected, c.merge);
      if (!edit) return fail(gettext("Select a segment that has a next one to merge with."));
      return {
        ok: true,
        ...edit,
        message: gettext("Segment %(number)s merged with the next one.", { number }),
      };
    }
    case "segment-start":
    case "segment-end": {
      const start = action.name === "segment-start";
      const edit = resizeSegment(segments, selected, start ? "start" : "end", t, bounds);
      if (!edit) return fail(gettext("Select a segment first."));
      const s = edit.segments[edit.index]!;
      const args = { number, time: formatTime(start ? s.start : s.end) };
      return {
        ok: true,
        ...edit,
        message: start
          ? gettext("Segment %(number)s now starts at %(time)s.", args)
          : gettext("Segment %(number)s now ends at %(time)s.", args),
      };
    }
    case "segment-delete": {
      if (!segments[selected]) return fail(gettext("Select a segment first."));
      return {
        ok: true,
        segments: removeSegment(segments, selected),
        index: selected,
        message: gettext("Segment %(number)s deleted.", { number }),
      };
    }
    case "segment-select": {
      if (segments.length === 0) return fail(gettext("There are no segments yet."));
      // P on the first segment stays there: selecting nothing would leave "/" without a filter.
      const index = Math.min(segments.length - 1, Math.max(0, selected + action.step));
      return {
        ok: true,
        segments: [...segments],
        index,
        message: gettext("Segment %(number)s of %(total)s selected.", {
          number: index + 1,
          total: segments.length,
        }),
      };
    }
  }
}
