/** The model-drafts report (`/api/projects/<slug>/drafts/report/`) shaped for its panel. */

import type { Schemas } from "../api/types";
import { gettext } from "../i18n";

export type Anchoring = Schemas["AnchoringOut"];
/** Single and ordinal layers: agreement and kappa; multi layers: Jaccard and exact match. */
export type Comparison = Schemas["ComparisonOut"];
export type LayerReport = Schemas["LayerReportOut"];
export type ModelRun = Schemas["RunOut"];
export type DraftsReport = Schemas["DraftsReportOut"];
export type DraftsSetting = Schemas["DraftsSettingIn"];
export type RunsAnswer = Schemas["RunsOut"];

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

/** The drafts setting form's controls; the server's fields have the same names. */
export const SETTING_CONTROLS = ["drafts", "run", "share"] as const;
export type SettingControl = (typeof SETTING_CONTROLS)[number];

export type ParsedSetting =
  | { readonly ok: true; readonly setting: DraftsSetting }
  | { readonly ok: false; readonly control: SettingControl; readonly message: string };

/** The form's values (the share in percent) as the PUT body; pre-fill needs a run. */
export function parseSetting(mode: string, run: string, sharePercent: string): ParsedSetting {
  if (mode !== "hidden" && mode !== "prefill")
    return { ok: false, control: "drafts", message: gettext("Choose hidden or pre-fill.") };
  if (mode === "hidden") return { ok: true, setting: { drafts: mode, run: null, share: 1 } };
  const runId = Number(run);
  if (!run || !Number.isInteger(runId))
    return { ok: false, control: "run", message: gettext("Choose the run whose drafts to show.") };
  const percent = Number(sharePercent);
  if (sharePercent.trim() === "" || !Number.isFinite(percent) || percent < 0 || percent > 100)
    return { ok: false, control: "share", message: gettext("Enter a share from 0 to 100.") };
  return { ok: true, setting: { drafts: mode, run: runId, share: percent / 100 } };
}

/** The server's 0–1 share as the form's percent, to a tenth. */
export function sharePercent(share: number | undefined): string {
  return String(Math.round((share ?? 1) * 1000) / 10);
}

/** The runs for a select, newest first: "#3 gpt-x 2025-01 · prompt-7 · 2025-01-02". */
export function runChoices(runs: readonly ModelRun[]): [string, string][] {
  return [...runs]
    .sort((a, b) => b.id - a.id)
    .map((run) => [String(run.id), `#${run.id} ${provenanceLine(run)}`]);
}
