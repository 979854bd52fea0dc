/**
 * Trace overlays: every annotator's trace of one dimension on the shared
 * grid, optionally compensated for reaction lag. An annotator reacts to what
 * they see some time after it happens, so their value at media time t
 * describes t - lag; shifting the series earlier by its lag lines it up with
 * the video and with the other annotators.
 */

import { gettext } from "../i18n";
import { listText } from "../model/labels";
import { fixed, seconds } from "./format";
import type { TraceOverlay } from "./types";

export type Series = (number | null)[];

/**
 * `values` moved `lagS` seconds earlier (later when negative) on a grid of
 * `stepS`, rounded to whole points; points shifted in from outside are null.
 */
export function shiftEarlier(
  values: readonly (number | null)[],
  lagS: number,
  stepS: number,
): Series {
  const k = stepS > 0 && Number.isFinite(lagS) ? Math.round(lagS / stepS) : 0;
  return values.map((_, i) => values[i + k] ?? null);
}

export interface OverlayLine {
  /** "Annotator A", or null for the aggregate. */
  readonly annotator: string | null;
  readonly values: Series;
  /** The shift applied, seconds (0 when not compensating or unknown). */
  readonly shiftS: number;
}

export interface OverlayData {
  /** Media time of each point, seconds. */
  readonly times: number[];
  /** The annotators' lines, then the aggregate's when there is one. */
  readonly lines: OverlayLine[];
}

/**
 * One dimension's lines. With `compensate`, each annotator's series moves by
 * its own lag and the aggregate is the one the server computed from those
 * shifted traces, so it stays with the compensated lines.
 */
export function overlayData(
  trace: TraceOverlay,
  dimension: string,
  compensate: boolean,
): OverlayData {
  const n = trace.n_points;
  const times = Array.from({ length: n }, (_, i) => round6(i * trace.step_s));
  const line = (
    annotator: string | null,
    raw: readonly (number | null)[] | undefined,
    lag: number | null | undefined,
  ): OverlayLine => {
    const values = fitted(raw ?? [], n);
    const shiftS = compensate && typeof lag === "number" ? lag : 0;
    return {
      annotator,
      values: shiftS ? shiftEarlier(values, shiftS, trace.step_s) : values,
      shiftS,
    };
  };
  const lines = trace.series.map((s) => line(s.annotator, s.values[dimension], s.lag_s[dimension]));
  const aggregate = compensate ? trace.aggregate_compensated : trace.aggregate;
  if (aggregate) lines.push(line(null, aggregate.values[dimension], 0));
  return { times, lines };
}

/** The chart's text alternative: what is drawn and how well the annotators agree. */
export function traceSummary(trace: TraceOverlay, dimension: string, title: string): string {
  const ccc = trace.ccc[dimension];
  const values = {
    dimension: title,
    annotators: listText(trace.series.map((s) => s.annotator)),
    min: fixed(ccc?.pairwise_min),
    mean: fixed(ccc?.pairwise_mean),
    compensated: fixed(ccc?.lag_compensated_mean),
  };
  return trace.aggregate
    ? gettext(
        "%(dimension)s traces of %(annotators)s, with their aggregate as a thick line. Concordance (CCC): lowest pair %(min)s, mean %(mean)s, mean after lag compensation %(compensated)s.",
        values,
      )
    : gettext(
        "%(dimension)s traces of %(annotators)s. Concordance (CCC): lowest pair %(min)s, mean %(mean)s, mean after lag compensation %(compensated)s.",
        values,
      );
}

/** The clip's chosen reaction lag for one dimension, in words. */
export function lagText(trace: TraceOverlay, dimension: string): string {
  const lag = trace.lag_s[dimension];
  return typeof lag === "number"
    ? gettext("Chosen reaction lag: %(lag)s", { lag: seconds(lag) })
    : gettext("Reaction lag: not estimated");
}

function fitted(values: readonly (number | null)[], n: number): Series {
  return Array.from({ length: n }, (_, i) => {
    const v = values[i];
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  });
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
