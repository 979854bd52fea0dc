/** Shapes of the adjudication API's answers: the server's own (see `api/schema.d.ts`). */

import type { Schemas } from "../api/types";

/** A payload as the views read it: by key (a static clip's layers, a stream's `segments`). */
export type Payload = Readonly<Record<string, unknown>>;
/** "": not routed yet. */
export type Tier = Schemas["TierEnum"] | Schemas["BlankEnum"];
export type AgreementMetrics = Schemas["ClipAgreementMetrics"];
export type Agreement = Schemas["ClipAgreement"];
export type Dispute = Schemas["Dispute"];

export interface Page<T> {
  readonly count: number;
  readonly next: string | null;
  readonly previous: string | null;
  readonly results: readonly T[];
}

export type Layer1Label = Schemas["Layer1Label"];
export type GoldVersion = Schemas["Gold"];
/** `GET assignments/{id}/` of a layer-2 assignment: it always carries what is decided on. */
export type Review = Schemas["AssignmentDetail"] &
  Required<Pick<Schemas["AssignmentDetail"], "layer1" | "agreement" | "gold_history">>;

export type TraceValues = Schemas["TraceValues"];
export type PerDimension<T> = Readonly<Record<string, T>>;
/** `GET clips/{id}/traces/`: every annotator's trace on one grid; point i is at i * step_s. */
export type TraceOverlay = Schemas["TraceOverlay"];
