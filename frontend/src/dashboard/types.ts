/** Shapes of the dashboard's API answers (the admin's view of one project): the server's own. */

import type { Project, Schemas } from "../api/types";

export type Tier = Schemas["TierEnum"];
export type TierCounts = Schemas["TierCounts"];
export type ProgressAnswer = Schemas["DashboardProgress"];
export type AgreementFigure = Schemas["LabelledKey"];
export type AgreementPoint = Schemas["AgreementPoint"];
/** The latest report's agreement of one annotator pair on one layer. */
export type AgreementPair = Schemas["AgreementPair"];
export type DsConfidence = Schemas["DsConfidence"];
export type AgreementAnswer = Schemas["DashboardAgreement"];
/** One agreement computation as `POST agreement/` and `GET agreement/{id}/` return it: its progress. */
export type AgreementJob = Pick<
  Schemas["AgreementReport"],
  "id" | "status" | "processed" | "total" | "error"
>;
export type AnnotatorStats = Schemas["AnnotatorRow"];
export type AnnotatorsAnswer = Schemas["DashboardAnnotators"];
export type RoutingRule = Schemas["RoutingRule"];
/** How many layer-1 labels a clip gets: k, or adaptive on the Dawid–Skene posterior. */
export type Overlap = Schemas["Overlap"];
export type Aggregator = RoutingRule["aggregator"];
export type RoutingAnswer = Schemas["DashboardRouting"];
export type ImportJob = Schemas["ImportJobRow"];
export type ImportsAnswer = Schemas["DashboardImports"];
export type Release = Schemas["Release"];

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** What the settings form edits (`GET projects/{slug}/`, `PATCH …/settings/`). */
export type ProjectSettings = Pick<
  Project,
  | "label_schema"
  | "overlap_k"
  | "overlap"
  | "routing_rule"
  | "trace_config"
  | "lease_minutes"
  | "per_user_cap"
  | "control_rate"
  | "qualification_controls"
  | "qualification_pass"
  | "pause_floor"
  | "pause_min_controls"
>;

export type ProjectAnswer = Project;
