/**
 * The adjudicator's decision before it is sent: the choices of a static clip,
 * or the segments of a stream clip (labels per segment, text fields kept from
 * the payload it started from), and what still stops it from being sent.
 */

import { gettext } from "../i18n";
import { choicesFrom, missing } from "../layers/registry";
import {
  type Choices,
  type LabelSchema,
  type Layer,
  layerTitle,
  type Lang,
  listText,
  segmentLayers,
} from "../model/labels";
import type { LabelledSegment } from "../model/segment-labels";
import { type Bounds, normaliseSegments } from "../model/segments";
import { laneSegments } from "./lanes";
import type { Payload } from "./types";

/** The segments of a stream payload, as a valid list to edit. */
export function segmentsFrom(
  schema: LabelSchema,
  payload: Payload,
  bounds: Bounds,
): LabelledSegment[] {
  const layers = segmentLayers(schema);
  const names = new Set(layers.map((l) => l.name));
  return normaliseSegments(
    laneSegments(payload, undefined).map((s) => ({
      start: s.start,
      end: s.end,
      labels: {
        choices: choicesFrom(layers, s.fields),
        text: Object.fromEntries(
          Object.entries(s.fields).filter(
            (e): e is [string, string] =>
              typeof e[1] === "string" && !names.has(e[0]) && e[0] !== "start" && e[0] !== "end",
          ),
        ),
      },
    })),
    bounds,
  );
}

export function streamPayload(segments: readonly LabelledSegment[]): Payload {
  return {
    segments: segments.map((s) => ({
      start: s.start,
      end: s.end,
      ...s.labels.text,
      ...s.labels.choices,
    })),
  };
}

export interface Problem {
  /** As the server names fields: "rationale", "basic7", "segments[2].basic7", "segments". */
  readonly field: string;
  readonly message: string;
}

function stillToChoose(gaps: readonly Layer[], lang: Lang): string {
  return listText(gaps.map((l) => layerTitle(l, lang)));
}

/** What stops a static decision, or null. */
export function staticProblem(
  layers: readonly Layer[],
  choices: Choices,
  lang: Lang,
): Problem | null {
  const gaps = missing(layers, choices);
  const first = gaps[0];
  return first
    ? {
        field: first.name,
        message: gettext("Still to choose: %(layers)s.", { layers: stillToChoose(gaps, lang) }),
      }
    : null;
}

/** What stops a stream decision, or null: no segments, or a segment with a layer unchosen. */
export function streamProblem(
  schema: LabelSchema,
  segments: readonly LabelledSegment[],
  lang: Lang,
): Problem | null {
  if (segments.length === 0) {
    return {
      field: "segments",
      message: gettext("The decision has no segments: start from an annotator's labels."),
    };
  }
  const layers = segmentLayers(schema);
  for (const [i, s] of segments.entries()) {
    const gaps = missing(layers, s.labels.choices);
    const first = gaps[0];
    if (first) {
      return {
        field: `segments[${i}].${first.name}`,
        message: gettext("Segment %(number)s still needs: %(layers)s.", {
          number: i + 1,
          layers: stillToChoose(gaps, lang),
        }),
      };
    }
  }
  return null;
}

export function rationaleProblem(rationale: string): Problem | null {
  return rationale.trim()
    ? null
    : {
        field: "rationale",
        message: gettext("Say why you decided so: the rationale is kept with the gold label."),
      };
}
