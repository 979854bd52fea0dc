/**
 * API answers → chart columns. x values are seconds (uPlot's time scale) or
 * category positions 0..n-1; a missing figure stays a gap (null), never 0.
 */

import { type Column, shareColumns } from "../charts/series";
import type { Label } from "../model/labels";
import type { AgreementAnswer, AgreementPoint, AnnotatorsAnswer, Tier } from "./types";

export const TIERS: readonly Tier[] = ["high", "medium", "low"];

/** "2026-10-28" → that day's local midnight in seconds (uPlot splits days in local time). */
export function daySeconds(day: string): number {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1).getTime() / 1000;
}

export interface Line {
  readonly key: string;
  readonly label: string;
  readonly values: Column;
}

/** One line per figure over report time; figures with no value in any report are left out. */
export function agreementLines(answer: AgreementAnswer): { xs: number[]; lines: Line[] } {
  const xs = answer.reports.map((r) => Date.parse(r.at) / 1000);
  const lines = answer.figures
    .map((f) => ({
      key: f.key,
      label: f.label,
      values: answer.reports.map((r) => finite(r.values[f.key])),
    }))
    .filter((line) => line.values.some((v) => v !== null));
  return { xs, lines };
}

/** Label layers with Dawid–Skene tiers in any report, in first-seen order. */
export function tierLayers(reports: readonly AgreementPoint[]): string[] {
  const layers = new Set<string>();
  for (const report of reports) for (const layer of Object.keys(report.ds_tiers)) layers.add(layer);
  return [...layers];
}

/** For one layer: the reports that have its tiers, and each tier's share (0–1) per report. */
export function tierShares(
  reports: readonly AgreementPoint[],
  layer: string,
): { reports: AgreementPoint[]; shares: Record<Tier, Column> } {
  const having = reports.filter((r) => r.ds_tiers[layer] !== undefined);
  const columns = shareColumns(TIERS.map((tier) => having.map((r) => r.ds_tiers[layer]![tier])));
  return {
    reports: having,
    shares: { high: columns[0]!, medium: columns[1]!, low: columns[2]! },
  };
}

/** Each annotator's submissions split into the last 7 days and before. */
export function throughputSplit(answer: AnnotatorsAnswer): { recent: Column; earlier: Column } {
  return {
    recent: answer.annotators.map((a) => a.last_7_days),
    earlier: answer.annotators.map((a) => Math.max(0, a.submitted - a.last_7_days)),
  };
}

/**
 * Each annotator's label distribution as shares, one column per label: the
 * layer's classes in schema order, then labels only the data has (a label
 * since removed from the schema).
 */
export function labelShares(answer: AnnotatorsAnswer): { labels: Label[]; columns: Column[] } {
  const known = new Set(answer.classes.map((label) => label.value));
  const extra = new Set<string>();
  for (const a of answer.annotators)
    for (const value of Object.keys(a.label_distribution)) if (!known.has(value)) extra.add(value);
  const labels: Label[] = [...answer.classes, ...[...extra].sort().map((value) => ({ value }))];
  const counts = labels.map((label) =>
    answer.annotators.map((a) => a.label_distribution[label.value] ?? 0),
  );
  return { labels, columns: shareColumns(counts) };
}

/** Each annotator's most chosen label and its share, or null without labels (first wins a tie). */
export function mostChosen(shares: {
  labels: readonly Label[];
  columns: readonly Column[];
}): ({ label: Label; share: number } | null)[] {
  const count = Math.max(0, ...shares.columns.map((c) => c.length));
  return Array.from({ length: count }, (_, i) => {
    let best: { label: Label; share: number } | null = null;
    for (const [j, column] of shares.columns.entries()) {
      const share = column[i] ?? 0;
      if (share > (best?.share ?? 0)) best = { label: shares.labels[j]!, share };
    }
    return best;
  });
}

/** Radar polygons in the order of the annotator list; annotators without values are left out. */
export function radarSeries(
  answer: AnnotatorsAnswer,
): { name: string; values: (number | null)[] }[] {
  const values = answer.radar.values;
  return answer.annotators
    .filter((a) => values[a.username] !== undefined)
    .map((a) => ({ name: a.username, values: values[a.username]! }));
}

function finite(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
