/** The model-drafts report (`/api/projects/<slug>/drafts/report/`) shaped for its panel. */

export interface Anchoring {
  n_shown: number;
  n_hidden: number;
  agree_shown: number | null;
  agree_hidden: number | null;
  effect: number | null;
  effect_interval: [number | null, number | null];
  adoption: number | null;
  adoption_interval: [number | null, number | null];
  level: number;
}

/** Single and ordinal layers: agreement and kappa; multi layers: Jaccard and exact match. */
export interface Comparison {
  n: number;
  agreement?: number | null;
  kappa?: number | null;
  jaccard?: number | null;
  exact?: number | null;
}

export interface LayerReport {
  type: "single" | "multi" | "ordinal";
  /** The schema's title of the layer, per language. */
  title?: Partial<Record<"en" | "zh", string>>;
  annotators: Record<string, Comparison>;
  aggregate: Comparison;
  anchoring: Anchoring | null;
}

export interface ModelRun {
  id: number;
  model_name: string;
  model_version: string;
  config_id: string;
  run_date: string | null;
  source_name: string;
  n_drafts: number;
  n_unmatched: number;
  notes: string[];
  created_at: string;
  created_by: string | null;
}

export interface DraftsReport {
  run: ModelRun | null;
  drafts_mode?: "hidden" | "prefill";
  draft_share?: number;
  annotations?: number;
  shown?: number;
  accepted?: number;
  layers?: Record<string, LayerReport>;
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
  const multi = layer.type === "multi";
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
