/** The model-drafts report (`/api/projects/<slug>/drafts/report/`) shaped for its panel. */

import type { Schemas } from "../api/types";

export type Anchoring = Schemas["AnchoringOut"];
/** Single and ordinal layers: agreement and kappa; multi layers: Jaccard and exact match. */
export type Comparison = Schemas["ComparisonOut"];
export type LayerReport = Schemas["LayerReportOut"];
export type ModelRun = Schemas["RunOut"];
export type DraftsReport = Schemas["DraftsReportOut"];

/** The layer's figures compare label sets (mean Jaccard, exact match), not single labels. */
export function comparesSets(layer: LayerReport): boolean {
  return "jaccard" in layer.aggregate;
}

export interface ComparisonRow {
  /** An annotator's pseudonym, or null for the people's aggregate. */
  who: string | null;
  n: number;
  /** Percent agreement (single, ordinal) or mean Jaccard (multi). */
  first: number | null;
  /** Cohen's kappa (single, ordinal) or exact-match share (multi). */
  second: number | null;
}

/** One row per annotator (by name), then the aggregate; layers without pairs have none. */
export function comparisonRows(layer: LayerReport): ComparisonRow[] {
  const multi = comparesSets(layer);
  const row = (who: string | null, c: Comparison): ComparisonRow => ({
    who,
    n: c.n,
    first: (multi ? c.jaccard : c.agreement) ?? null,
    second: (multi ? c.exact : c.kappa) ?? null,
  });
  const people = Object.keys(layer.annotators)
    .sort()
    .map((who) => row(who, layer.annotators[who]!));
  return layer.aggregate.n ? [...people, row(null, layer.aggregate)] : people;
}

/** The model's provenance in one line: "gpt-x 2025-01 · prompt-7 · 2025-01-02". */
export function provenanceLine(run: ModelRun): string {
  const name = [run.model_name, run.model_version].filter(Boolean).join(" ");
  return [name, run.config_id, run.run_date ?? ""].filter(Boolean).join(" · ");
}
