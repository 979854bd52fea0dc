/**
 * The settings form's model: project settings ↔ the form's raw values,
 * checks done before sending (the server checks again and names the field),
 * and the PATCH body of what changed.
 */

import { checkAgainst } from "../api/json-schema";
import { fmt } from "../charts/format";
import { gettext } from "../i18n";
import type { Aggregator, Overlap, ProjectSettings, RoutingRule } from "./types";

const AGGREGATORS: readonly Aggregator[] = ["majority", "dawid_skene"];
const SCHEMA_OF = { label_schema: "LabelSchema", trace_config: "TraceConfig" } as const;

/** Control names; routing-rule keys are controls of their own. */
export const SETTINGS_CONTROLS = [
  "overlap_k",
  "overlap_strategy",
  "overlap_threshold",
  "overlap_k_max",
  "overlap_min_labels",
  "lease_minutes",
  "per_user_cap",
  "control_rate",
  "qualification_controls",
  "qualification_pass",
  "pause_floor",
  "pause_min_controls",
  "aggregator",
  "accept_unanimous",
  "min_confidence",
  "medium_confidence",
  "min_trace_ccc",
  "label_schema",
  "trace_config",
] as const;

export type SettingsControl = (typeof SETTINGS_CONTROLS)[number];

export type FormValues = {
  readonly [K in SettingsControl]: K extends "accept_unanimous" ? boolean : string;
};

export interface ControlError {
  readonly control: SettingsControl;
  readonly message: string;
}

export type Parsed =
  | { readonly ok: true; readonly settings: ProjectSettings }
  | { readonly ok: false; readonly errors: readonly ControlError[] };

export function formValues(s: ProjectSettings): FormValues {
  const rule = s.routing_rule;
  // Fixed k: the adaptive inputs offer a starting point (the 0.95, up to k).
  const adaptive =
    s.overlap.strategy === "adaptive"
      ? s.overlap
      : { threshold: 0.95, k_max: s.overlap_k, min_labels: 1 };
  return {
    overlap_k: String(s.overlap_k),
    overlap_strategy: s.overlap.strategy,
    overlap_threshold: String(adaptive.threshold),
    overlap_k_max: String(adaptive.k_max),
    overlap_min_labels: String(adaptive.min_labels),
    lease_minutes: String(s.lease_minutes),
    per_user_cap: s.per_user_cap === null ? "" : String(s.per_user_cap),
    control_rate: String(s.control_rate),
    qualification_controls: String(s.qualification_controls),
    qualification_pass: String(s.qualification_pass),
    pause_floor: String(s.pause_floor),
    pause_min_controls: String(s.pause_min_controls),
    aggregator: rule.aggregator,
    accept_unanimous: rule.accept_unanimous,
    min_confidence: String(rule.min_confidence),
    // A rule stored before these keys existed has none: the field starts empty, not "undefined".
    medium_confidence: rule.medium_confidence === undefined ? "" : String(rule.medium_confidence),
    min_trace_ccc: rule.min_trace_ccc == null ? "" : String(rule.min_trace_ccc),
    label_schema: JSON.stringify(s.label_schema, null, 2),
    trace_config: JSON.stringify(s.trace_config, null, 2),
  };
}

/**
 * The settings the form describes, on top of `base` (routing-rule keys the
 * form has no input for are kept), or every control whose value is refused.
 */
export function parseSettings(values: FormValues, base: ProjectSettings): Parsed {
  const errors: ControlError[] = [];
  const fail = (control: SettingsControl, message: string): null => {
    errors.push({ control, message });
    return null;
  };
  const whole = (control: SettingsControl, min: number, max: number): number | null => {
    const n = number(values[control] as string);
    return n !== null && Number.isInteger(n) && n >= min && n <= max
      ? n
      : fail(
          control,
          gettext("Enter a whole number from %(min)s to %(max)s.", {
            min: fmt().count(min),
            max: fmt().count(max),
          }),
        );
  };
  const between = (control: SettingsControl, min: number, max: number): number | null => {
    const n = number(values[control] as string);
    return n !== null && n >= min && n <= max
      ? n
      : fail(
          control,
          gettext("Enter a number from %(min)s to %(max)s.", {
            min: fmt().count(min),
            max: fmt().count(max),
          }),
        );
  };
  const json = (control: "label_schema" | "trace_config"): object | null => {
    let value: unknown;
    try {
      value = JSON.parse(values[control]);
    } catch (error) {
      return fail(
        control,
        gettext("This is not valid JSON: %(reason)s", { reason: (error as Error).message }),
      );
    }
    if (value === null || typeof value !== "object" || Array.isArray(value))
      return fail(control, gettext("Enter a JSON object ({ … })."));
    // The server's own JSON Schema of the field (its finer rules it checks itself).
    const problem = checkAgainst(SCHEMA_OF[control], value);
    return problem
      ? fail(control, gettext("%(where)s: %(problem)s", { where: problem.path, problem: problem.message }))
      : value;
  };

  const overlap = whole("overlap_k", 1, 50);
  const policy = overlapSetting(values, base.overlap, fail, whole);
  const lease = whole("lease_minutes", 1, 24 * 60);
  let cap: number | null = null;
  if (values.per_user_cap.trim() !== "") {
    const n = number(values.per_user_cap);
    cap =
      n !== null && Number.isInteger(n) && n >= 1
        ? n
        : fail(
            "per_user_cap",
            gettext("Enter a whole number of at least 1, or leave it empty for no cap."),
          );
  }
  const controlRate = whole("control_rate", 0, 1000);
  const qualificationControls = whole("qualification_controls", 0, 1000);
  const qualificationPass = between("qualification_pass", 0, 1);
  const pauseFloor = between("pause_floor", 0, 1);
  const pauseMinControls = whole("pause_min_controls", 1, 1000);
  const aggregator = AGGREGATORS.find((a) => a === values.aggregator);
  if (!aggregator) fail("aggregator", gettext("Choose an aggregator."));
  const minConfidence = between("min_confidence", 0, 1);
  const mediumConfidence = between("medium_confidence", 0, 1);
  // Above the minimum confidence the medium tier could hold no clip (the high tier wins).
  if (minConfidence !== null && mediumConfidence !== null && mediumConfidence > minConfidence)
    fail(
      "medium_confidence",
      gettext("Enter at most the minimum confidence (%(floor)s): above it, no clip is medium.", {
        floor: minConfidence,
      }),
    );
  let ccc: number | null = null;
  if (values.min_trace_ccc.trim() !== "") {
    const n = number(values.min_trace_ccc);
    ccc =
      n !== null && n >= -1 && n <= 1
        ? n
        : fail(
            "min_trace_ccc",
            gettext("Enter a number from -1 to 1, or leave it empty to turn the check off."),
          );
  }
  const labelSchema = json("label_schema");
  const traceConfig = json("trace_config");

  if (errors.length > 0) return { ok: false, errors };
  const routing: RoutingRule = {
    ...base.routing_rule,
    aggregator: aggregator!,
    accept_unanimous: values.accept_unanimous,
    min_confidence: minConfidence!,
    medium_confidence: mediumConfidence!,
    min_trace_ccc: ccc,
  };
  return {
    ok: true,
    settings: {
      overlap_k: overlap!,
      overlap: policy!,
      lease_minutes: lease!,
      per_user_cap: cap,
      control_rate: controlRate!,
      qualification_controls: qualificationControls!,
      qualification_pass: qualificationPass!,
      pause_floor: pauseFloor!,
      pause_min_controls: pauseMinControls!,
      routing_rule: routing,
      label_schema: labelSchema as ProjectSettings["label_schema"],
      trace_config: traceConfig as ProjectSettings["trace_config"],
    },
  };
}

/** The overlap setting the form describes; keys the form has no input for are kept. */
function overlapSetting(
  values: FormValues,
  base: Overlap,
  fail: (control: SettingsControl, message: string) => null,
  whole: (control: SettingsControl, min: number, max: number) => number | null,
): Overlap | null {
  if (values.overlap_strategy === "fixed") return { strategy: "fixed" };
  if (values.overlap_strategy !== "adaptive")
    return fail("overlap_strategy", gettext("Choose how many labels a clip gets."));
  const threshold = number(values.overlap_threshold);
  if (threshold === null || threshold <= 0 || threshold > 1)
    fail("overlap_threshold", gettext("Enter a number above 0, at most 1."));
  const kMax = whole("overlap_k_max", 1, 50);
  const minLabels = whole("overlap_min_labels", 1, 50);
  if (kMax !== null && minLabels !== null && minLabels > kMax)
    fail("overlap_min_labels", gettext("Enter at most the most labels per clip."));
  if (threshold === null || threshold <= 0 || threshold > 1 || kMax === null || minLabels === null)
    return null;
  const kept = base.strategy === "adaptive" ? base : {};
  return { ...kept, strategy: "adaptive", threshold, k_max: kMax, min_labels: minLabels };
}

/** The PATCH body: only the keys whose value changed (an object key goes whole). */
export function settingsChanges(
  before: ProjectSettings,
  after: ProjectSettings,
): Partial<ProjectSettings> {
  const changes: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof ProjectSettings)[])
    if (!sameJson(before[key], after[key])) changes[key] = after[key];
  return changes as Partial<ProjectSettings>;
}

/** Equal as JSON values, whatever the order of object keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/** A finite number from the input's text, or null (an empty text is not 0). */
function number(text: string): number | null {
  if (text.trim() === "") return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}
