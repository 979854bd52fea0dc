/** Shapes of the dashboard's API answers (the admin's view of one project). */

import type { Label, LabelSchema } from "../model/labels";

export type Tier = "high" | "medium" | "low";
export type TierCounts = Readonly<Record<Tier, number>>;

export interface ProgressAnswer {
  total: number;
  ready: number;
  stages: { layer1: number; aggregating: number; disputed: number; gold: number };
  /** Clips per media status; a status no clip has is left out. */
  media: Readonly<Record<string, number>>;
  throughput: { days: string[]; annotations: number[]; gold: number[]; adjudicated: number[] };
}

export interface AgreementFigure {
  key: string;
  label: string;
}

export interface AgreementPoint {
  id: number;
  at: string;
  values: Readonly<Record<string, number | null>>;
  ds_tiers: Readonly<Record<string, TierCounts>>;
}

/** The latest report's agreement of one annotator pair on one layer. */
export interface AgreementPair {
  layer: string;
  a: string;
  b: string;
  /** Clips both labelled. */
  n_items: number;
  /** "Cohen κ" (single layer) or "mean Jaccard" (multi), in the reader's language. */
  figure: string;
  value: number | null;
}

export interface DsConfidence {
  layer: string;
  mean: number | null;
  median: number | null;
  std: number | null;
}

export interface AgreementAnswer {
  figures: AgreementFigure[];
  /** Title of each single layer (the key of `ds_tiers`), in the reader's language. */
  layers: Readonly<Record<string, string>>;
  reports: AgreementPoint[];
  pairs: AgreementPair[];
  confidence: DsConfidence[];
}

/** One agreement computation as `POST agreement/` and `GET agreement/{id}/` return it. */
export interface AgreementJob {
  id: number;
  status: "pending" | "running" | "done" | "failed";
  processed: number;
  total: number;
  error: string;
}

export interface AnnotatorStats {
  user_id: number;
  username: string;
  submitted: number;
  last_7_days: number;
  accuracy_vs_aggregate: number | null;
  kappa_vs_gold: number | null;
  entropy_normalised: number | null;
  /** Null before the first agreement report. */
  unsure_share: number | null;
  label_distribution: Readonly<Record<string, number>>;
  /** Live, from control items: answered, right, accuracy and its 95% interval. */
  controls: number;
  controls_correct: number;
  control_accuracy: number | null;
  control_interval: [number, number] | null;
  /** Expected accuracy under the project's Dawid–Skene model, and its confusion matrix. */
  ds_accuracy: number | null;
  ds_confusion: number[][] | null;
  live_agreement: number | null;
  live_entropy: number | null;
  median_seconds: number | null;
  /** Set while the pause rule holds the annotator: why, in the reader's language. */
  paused: { since: string; reason: string; floor: number } | null;
}

export interface AnnotatorsAnswer {
  report: { id: number; at: string } | null;
  layer: string;
  /** The layer's title in the reader's language. */
  layer_title: string;
  /** The layer's labels, "Unsure" included when the layer allows it. */
  classes: Label[];
  annotators: AnnotatorStats[];
  /** Values 0–1 per axis; null where the annotator has no figure yet. */
  radar: {
    axes: { key: string; label: string }[];
    values: Readonly<Record<string, (number | null)[]>>;
  };
}

export type Aggregator = "majority" | "dawid_skene";

export interface RoutingRule {
  aggregator: Aggregator;
  accept_unanimous: boolean;
  min_confidence: number;
  medium_confidence: number;
  min_trace_ccc: number | null;
}

/** How many layer-1 labels a clip gets: k, or adaptive on the Dawid–Skene posterior. */
export type Overlap =
  | { strategy: "fixed" }
  | {
      strategy: "adaptive";
      threshold: number;
      k_max: number;
      min_labels: number;
      [key: string]: unknown;
    };

export interface RoutingAnswer {
  rule: RoutingRule;
  tiers: TierCounts;
  provenance: { unanimous: number; majority: number; model_confident: number; adjudicated: number };
  disputed: number;
  in_adjudication: number;
}

export interface ImportJob {
  id: number;
  kind: "clips" | "labels";
  status: "running" | "done" | "failed";
  total: number;
  processed: number;
  failed: number;
  created_at: string;
  finished_at: string | null;
  summary: string;
}

export interface ImportsAnswer {
  jobs: ImportJob[];
}

export interface Release {
  id: number;
  version: string;
  description: string;
  status: "pending" | "building" | "published" | "failed";
  progress: number;
  progress_message: string;
  error: string;
  attempts: number;
  size_bytes: number | null;
  created_at: string;
  published_at: string | null;
  download_url: string | null;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** What the settings form edits (`GET projects/{slug}/`, `PATCH …/settings/`). */
export interface ProjectSettings {
  label_schema: LabelSchema;
  overlap_k: number;
  overlap: Overlap;
  routing_rule: RoutingRule;
  trace_config: unknown;
  lease_minutes: number;
  per_user_cap: number | null;
  control_rate: number;
  qualification_controls: number;
  qualification_pass: number;
  pause_floor: number;
  pause_min_controls: number;
}

export interface ProjectAnswer extends ProjectSettings {
  slug: string;
  name: string;
  roles: string[];
}
