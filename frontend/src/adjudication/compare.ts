/**
 * The labels side by side: one column per annotator (and the aggregate), one
 * row per layer, with the cells that break from the others marked. Static
 * clips compare values; stream clips compare how long each label is used.
 */

import { gettext, ngettext, pgettext } from "../i18n";
import { answerKey, valueText } from "../layers/registry";
import {
  asList,
  type Lang,
  type LabelSchema,
  type Layer,
  layerTitle,
  listText,
  segmentLayers,
} from "../model/labels";
import { percent } from "./format";
import { laneSegments } from "./lanes";
import type { Payload } from "./types";

export interface Column {
  /** "Annotator A", or null for the aggregate. */
  readonly annotator: string | null;
  readonly payload: Payload;
  /** Share of the clip the annotator's trace covers; undefined when not applicable. */
  readonly traceCoverage?: number | null;
}

export interface Cell {
  readonly text: string;
  /** An annotator's cell that is not with a clear majority of the annotators. */
  readonly differs: boolean;
}

export interface Row {
  readonly key: string;
  readonly title: string;
  /** Every annotator gave the same answer. */
  readonly agree: boolean;
  readonly cells: Cell[];
}

const NONE = "—";

/**
 * Which keys stand out: none when all agree; otherwise the keys outside a
 * strict plurality (on a tie every answer stands out, absent ones included).
 */
function outliers(keys: readonly (string | null)[]): { agree: boolean; odd: boolean[] } {
  const counts = new Map<string | null, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  const agree = counts.size <= 1 && !counts.has(null);
  if (agree || keys.length === 0) return { agree, odd: keys.map(() => false) };
  const top = Math.max(...counts.values());
  const leaders = [...counts].filter(([, n]) => n === top).map(([k]) => k);
  const plurality = leaders.length === 1 ? leaders[0] : undefined;
  return { agree, odd: keys.map((k) => k === null || k !== plurality) };
}

function row(
  key: string,
  title: string,
  columns: readonly Column[],
  cell: (c: Column) => { text: string; key: string | null },
): Row {
  const cells = columns.map(cell);
  const annotators = columns.flatMap((c, i) => (c.annotator === null ? [] : [i]));
  const { agree, odd } = outliers(annotators.map((i) => cells[i]!.key));
  return {
    key,
    title,
    agree,
    cells: cells.map((c, i) => {
      const k = annotators.indexOf(i);
      return { text: c.text, differs: k >= 0 && odd[k]! };
    }),
  };
}

/** Static clips: one row per layer of the schema. */
export function staticRows(
  layers: readonly Layer[],
  columns: readonly Column[],
  lang: Lang,
): Row[] {
  return layers.map((layer) =>
    row(layer.name, layerTitle(layer, lang), columns, (c) => ({
      text: valueText(layer, c.payload[layer.name], lang),
      key: answerKey(layer, c.payload[layer.name]),
    })),
  );
}

export interface Share {
  readonly value: string;
  /** Of the time the payload's segments cover. */
  readonly share: number;
}

/** How much of the segmented time each label of `layer` is used, most used first. */
export function labelShares(payload: Payload, layer: Layer): Share[] {
  const segments = laneSegments(payload, undefined);
  const total = segments.reduce((sum, s) => sum + (s.end - s.start), 0);
  if (total <= 0) return [];
  const seconds = new Map<string, number>();
  for (const s of segments) {
    const raw = s.fields[layer.name];
    const values = Array.isArray(raw) ? asList(raw) : raw === undefined ? [] : [String(raw)];
    for (const v of values) seconds.set(v, (seconds.get(v) ?? 0) + (s.end - s.start));
  }
  return [...seconds]
    .map(([value, t]) => ({ value, share: t / total }))
    .sort((a, b) => b.share - a.share || a.value.localeCompare(b.value));
}

/** A segment's labels in words, layer by layer: "Basic emotion: Joy · 喜悦; intensity: 3". */
export function segmentText(schema: LabelSchema, fields: Payload, lang: Lang): string {
  const parts = segmentLayers(schema)
    .filter((layer) => fields[layer.name] !== undefined)
    .map((layer) =>
      gettext("%(layer)s: %(value)s", {
        layer: layerTitle(layer, lang),
        value: valueText(layer, fields[layer.name], lang),
      }),
    );
  return parts.length
    ? parts.join(pgettext("between a segment's labels", "; "))
    : gettext("unlabelled");
}

/** At most this many labels per cell: the rest is on the timeline lanes. */
const SHOWN_SHARES = 3;

/** Stream clips: segment count, each segment layer's label shares, trace coverage. */
export function streamRows(schema: LabelSchema, columns: readonly Column[], lang: Lang): Row[] {
  const count = (c: Column): number => laneSegments(c.payload, undefined).length;
  const rows = [
    row("segments", gettext("Segments"), columns, (c) => ({
      text: ngettext("%(count)s segment", "%(count)s segments", count(c)),
      key: String(count(c)),
    })),
  ];
  for (const layer of segmentLayers(schema)) {
    rows.push(
      row(layer.name, layerTitle(layer, lang), columns, (c) => {
        const shares = labelShares(c.payload, layer);
        const text = shares.length
          ? listText(
              shares.slice(0, SHOWN_SHARES).map((s) =>
                gettext("%(label)s (%(share)s)", {
                  // (an ordinal value reads the same as its number's text)
                  label: valueText(layer, s.value, lang),
                  share: percent(s.share),
                }),
              ),
            )
          : NONE;
        return { text, key: shares[0]?.value ?? null };
      }),
    );
  }
  if (columns.some((c) => c.traceCoverage !== undefined)) {
    // Coverage is not an answer to agree on: no cell stands out.
    rows.push({
      key: "trace",
      title: gettext("Trace coverage"),
      agree: true,
      cells: columns.map((c) => ({
        text:
          c.traceCoverage === undefined
            ? ""
            : c.traceCoverage === null
              ? gettext("no trace")
              : percent(c.traceCoverage),
        differs: false,
      })),
    });
  }
  return rows;
}
