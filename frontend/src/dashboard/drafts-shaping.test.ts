import { describe, expect, it } from "vitest";
import { comparisonRows, type LayerReport, provenanceLine } from "./drafts-shaping";

const single: LayerReport = {
  type: "single",
  title: {},
  annotators: { b: { n: 4, agreement: 0.25, kappa: 0.1 }, a: { n: 4, agreement: 0.5, kappa: 0.2 } },
  aggregate: { n: 4, agreement: 0.75, kappa: 0.5 },
  anchoring: null,
};

describe("comparisonRows", () => {
  it("lists annotators by name, then the aggregate, with agreement and kappa", () => {
    expect(comparisonRows(single)).toEqual([
      { who: "a", n: 4, first: 0.5, second: 0.2 },
      { who: "b", n: 4, first: 0.25, second: 0.1 },
      { who: null, n: 4, first: 0.75, second: 0.5 },
    ]);
  });

  it("takes Jaccard and exact match for a multi-label layer, and drops an empty aggregate", () => {
    const multi: LayerReport = {
      type: "multi",
      title: {},
      annotators: { a: { n: 2, jaccard: 0.5, exact: 0 } },
      aggregate: { n: 0, jaccard: null, exact: null },
      anchoring: null,
    };
    expect(comparisonRows(multi)).toEqual([{ who: "a", n: 2, first: 0.5, second: 0 }]);
  });
});

describe("provenanceLine", () => {
  it("joins what is known", () => {
    const run = {
      id: 1, model_name: "gpt-x", model_version: "2025-01", config_id: "", run_date: "2025-01-02",
      source_name: "p.jsonl", n_drafts: 2, n_unmatched: 0, notes: [], created_at: "", created_by: null,
    };
    expect(provenanceLine(run)).toBe("gpt-x 2025-01 · 2025-01-02");
  });
});
