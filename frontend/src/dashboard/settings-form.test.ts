import { describe, expect, it } from "vitest";
import COMPONENTS from "../api/json-schemas.json";
import {
  type FormValues,
  formValues,
  parseSettings,
  sameJson,
  settingsChanges,
} from "./settings-form";
import type { ProjectSettings } from "./types";

/** The server's layer types, as its message lists them. */
const LAYER_TYPES = COMPONENTS.LabelLayer.properties.type.enum.join(", ");

const project: ProjectSettings = {
  label_schema: { layers: [{ name: "basic7", type: "single", labels: [{ value: "Joy" }] }] },
  overlap_k: 3,
  overlap: { strategy: "fixed" },
  routing_rule: {
    aggregator: "majority",
    accept_unanimous: true,
    min_confidence: 0.9,
    medium_confidence: 0.8,
    min_trace_ccc: null,
  },
  trace_config: { rate_hz: 25, dimensions: [{ name: "valence", min: -1, max: 1 }] },
  lease_minutes: 30,
  per_user_cap: null,
  control_rate: 0,
  qualification_controls: 0,
  qualification_pass: 0.8,
  pause_floor: 0,
  pause_min_controls: 10,
};

const edit = (changes: Partial<FormValues>): FormValues => ({ ...formValues(project), ...changes });

describe("formValues", () => {
  it("shows empty inputs for 'none' and pretty JSON", () => {
    const values = formValues(project);
    expect(values.per_user_cap).toBe("");
    expect(values.min_trace_ccc).toBe("");
    expect(values.min_confidence).toBe("0.9");
    expect(values.accept_unanimous).toBe(true);
    expect(values.trace_config).toContain('\n  "rate_hz": 25');
  });

  it("round-trips to the same settings and no changes", () => {
    const parsed = parseSettings(formValues(project), project);
    expect(parsed).toEqual({ ok: true, settings: project });
    if (parsed.ok) expect(settingsChanges(project, parsed.settings)).toEqual({});
  });
});

describe("parseSettings", () => {
  it("reads an adaptive overlap and keeps its keys without inputs", () => {
    const base: ProjectSettings = {
      ...project,
      overlap: { strategy: "adaptive", threshold: 0.9, k_max: 3, min_labels: 1, warmup: 50 },
    };
    const values = {
      ...formValues(base),
      overlap_threshold: "0.95",
      overlap_k_max: "5",
      overlap_min_labels: "2",
    };
    const parsed = parseSettings(values, base);
    expect(parsed.ok && parsed.settings.overlap).toEqual({
      strategy: "adaptive",
      threshold: 0.95,
      k_max: 5,
      min_labels: 2,
      warmup: 50,
    });
    const fixed = parseSettings({ ...values, overlap_strategy: "fixed" }, base);
    expect(fixed.ok && fixed.settings.overlap).toEqual({ strategy: "fixed" });
  });

  it("refuses an adaptive overlap out of range, naming the inputs", () => {
    const parsed = parseSettings(
      edit({
        overlap_strategy: "adaptive",
        overlap_threshold: "0",
        overlap_k_max: "2",
        overlap_min_labels: "3",
      }),
      project,
    );
    expect(parsed.ok ? [] : parsed.errors.map((e) => e.control)).toEqual([
      "overlap_threshold",
      "overlap_min_labels",
    ]);
  });

  it("reads numbers, empty as none, and keeps unknown routing keys", () => {
    const base = { ...project, routing_rule: { ...project.routing_rule, future: 1 } };
    const parsed = parseSettings(
      edit({
        per_user_cap: "20",
        control_rate: "20",
        qualification_controls: "10",
        qualification_pass: "0.9",
        min_trace_ccc: "-0.2",
        min_confidence: "0.85",
      }),
      base,
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.settings.per_user_cap).toBe(20);
    expect(parsed.settings.control_rate).toBe(20);
    expect(parsed.settings.qualification_controls).toBe(10);
    expect(parsed.settings.qualification_pass).toBe(0.9);
    expect(parsed.settings.routing_rule).toEqual({
      ...base.routing_rule,
      min_confidence: 0.85,
      min_trace_ccc: -0.2,
    });
  });

  it("refuses a medium tier above the minimum confidence (it could hold no clip)", () => {
    const parsed = parseSettings(edit({ min_confidence: "0.6", medium_confidence: "0.95" }), project);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => e.control)).toEqual(["medium_confidence"]);
    expect(parsed.errors[0]?.message).toContain("(0.6)");
    const lowered = parseSettings(edit({ min_confidence: "0.5", medium_confidence: "0.5" }), project);
    expect(lowered.ok).toBe(true);
  });

  it("names every refused control", () => {
    const parsed = parseSettings(
      edit({
        overlap_k: "2.5",
        lease_minutes: "",
        per_user_cap: "0",
        control_rate: "-1",
        qualification_controls: "1.5",
        qualification_pass: "2",
        aggregator: "vote",
        min_confidence: "1.2",
        medium_confidence: "x",
        min_trace_ccc: "2",
        label_schema: "{",
        trace_config: "[]",
      }),
      project,
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => e.control)).toEqual([
      "overlap_k",
      "lease_minutes",
      "per_user_cap",
      "control_rate",
      "qualification_controls",
      "qualification_pass",
      "aggregator",
      "min_confidence",
      "medium_confidence",
      "min_trace_ccc",
      "label_schema",
      "trace_config",
    ]);
    expect(parsed.errors[0]!.message).toBe("Enter a whole number from 1 to 50.");
    expect(parsed.errors[10]!.message).toMatch(/^This is not valid JSON: /);
    expect(parsed.errors[11]!.message).toBe("Enter a JSON object ({ … }).");
  });

  it("checks the JSON fields with the server's schema of them, naming where", () => {
    const parsed = parseSettings(
      edit({
        label_schema: '{"layers": [{"name": "basic7", "type": "scale"}]}',
        trace_config: '{"rate_hz": 25}',
      }),
      project,
    );
    if (parsed.ok) throw new Error("should not parse");
    expect(parsed.errors).toEqual([
      {
        control: "label_schema",
        message: `layers[0].type: must be one of ${LAYER_TYPES}`,
      },
      { control: "trace_config", message: "dimensions: is required" },
    ]);
  });
});

describe("settingsChanges", () => {
  it("sends only changed keys, the routing rule whole", () => {
    const parsed = parseSettings(edit({ min_confidence: "0.95", lease_minutes: "45" }), project);
    if (!parsed.ok) throw new Error("should parse");
    expect(settingsChanges(project, parsed.settings)).toEqual({
      lease_minutes: 45,
      routing_rule: { ...project.routing_rule, min_confidence: 0.95 },
    });
  });

  it("ignores key order and whitespace in JSON", () => {
    const reordered = '{"dimensions":[{"max":1,"min":-1,"name":"valence"}],"rate_hz":25}';
    const parsed = parseSettings(edit({ trace_config: reordered }), project);
    if (!parsed.ok) throw new Error("should parse");
    expect(settingsChanges(project, parsed.settings)).toEqual({});
  });
});

describe("sameJson", () => {
  it("compares values deeply", () => {
    expect(sameJson({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameJson([], {})).toBe(false);
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson({ a: 1 }, { b: 1 })).toBe(false);
  });
});
