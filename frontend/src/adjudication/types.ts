/** Shapes of the adjudication API's answers (see annotation/apis.py and serializers.py). */

import type { Assignment, Clip } from "../api/types";

export type Payload = Readonly<Record<string, unknown>>;
export type Tier = "high" | "medium" | "low" | "";

export interface AgreementMetrics {
  readonly top_share?: number;
  readonly ds_confidence?: number;
  readonly trace_ccc_min?: number;
  readonly reason?: string;
}

export interface Agreement {
  readonly n_annotations: number;
  readonly tier: Tier;
  readonly confidence: number | null;
  readonly n_distinct: number | null;
  /** A static payload (plus `<multi>_soft` shares); for a stream clip, the closest annotator's. */
  readonly aggregate: Payload;
  readonly metrics: AgreementMetrics;
  readonly computed_at: string;
}

export interface Dispute extends Clip {
  readonly stage: string;
  readonly agreement: Agreement | null;
  /** Already translated: why the clip is disputed. */
  readonly why: readonly string[];
  /** Another adjudicator has it open. */
  readonly in_progress: boolean;
  /** The adjudicator asking is the one who has it open. */
  readonly yours: boolean;
}

export interface Page<T> {
  readonly count: number;
  readonly next: string | null;
  readonly previous: string | null;
  readonly results: readonly T[];
}

export interface Layer1Label {
  /** Pseudonym, stable per clip: "Annotator A". */
  readonly annotator: string;
  readonly revision: number;
  readonly payload: Payload;
  readonly submitted_at: string;
  readonly trace: { readonly id: number; readonly gaps: { readonly coverage?: number } } | null;
}

export interface GoldVersion {
  readonly version: number;
  readonly is_current: boolean;
  readonly payload: Payload;
  readonly provenance: string;
  readonly confidence: number | null;
  readonly tier: Tier;
  readonly rationale: string | null;
  readonly decided_by: string | null;
  readonly created_at: string;
}

/** `GET assignments/{id}/` of a layer-2 assignment. */
export interface Review extends Assignment {
  readonly layer1: readonly Layer1Label[];
  readonly agreement: Agreement | null;
  readonly gold_history: readonly GoldVersion[];
  readonly why?: readonly string[];
}

export type TraceValues = Readonly<Record<string, readonly (number | null)[]>>;
export type PerDimension<T> = Readonly<Record<string, T>>;

export interface TraceCcc {
  readonly pairwise_min: number | null;
  readonly pairwise_mean: number | null;
  readonly lag_compensated_mean: number | null;
}

/** `GET clips/{id}/traces/`: every annotator's trace on one grid; point i is at i * step_s. */
export interface TraceOverlay {
  readonly rate_hz: number;
  readonly step_s: number;
  readonly n_points: number;
  readonly dimensions: readonly {
    readonly name: string;
    readonly min: number;
    readonly max: number;
    readonly title?: { readonly en?: string; readonly zh?: string };
  }[];
  readonly series: readonly {
    readonly annotator: string;
    readonly values: TraceValues;
    /** How far this annotator lags behind the earliest one, seconds. */
    readonly lag_s: PerDimension<number | null>;
  }[];
  readonly aggregate: { readonly method: string; readonly values: TraceValues } | null;
  /** The aggregate of the lag-compensated traces (each shifted by its own lag). */
  readonly aggregate_compensated: { readonly method: string; readonly values: TraceValues } | null;
  /** The clip's reaction lag: the mean absolute lag between annotator pairs, seconds. */
  readonly lag_s: PerDimension<number | null>;
  readonly ccc: PerDimension<TraceCcc>;
}
