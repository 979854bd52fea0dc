import { describe, expect, it } from "vitest";
import {
  comparisonRows,
  type LayerReport,
  type ModelRun,
  parseSetting,
  provenanceLine,
  runChoices,
  sharePercent,
} from "./drafts-shaping";

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

function run(id: number, config_id = ""): ModelRun {
  return {
    id, model_name: "gpt-x", model_version: "2025-01", config_id, run_date: "2025-01-02",
    source_name: "p.jsonl", n_drafts: 2, n_unmatched: 0, notes: [], created_at: "", created_by: null,
  };
}

describe("provenanceLine", () => {
  it("joins what is known", () => {
    expect(provenanceLine(run(1))).toBe("gpt-x 2025-01 · 2025-01-02");
  });
});

describe("runChoices", () => {
  it("offers the newest run first, by id and provenance", () => {
    expect(runChoices([run(2, "prompt-1"), run(7, "prompt-2")])).toEqual([
      ["7", "#7 gpt-x 2025-01 · prompt-2 · 2025-01-02"],
      ["2", "#2 gpt-x 2025-01 · prompt-1 · 2025-01-02"],
    ]);
  });
});

describe("parseSetting", () => {
  it("sends hidden without a run, whatever the other inputs hold", () => {
    expect(parseSetting("hidden", "3", "abc")).toEqual({
      ok: true,
      setting: { drafts: "hidden", run: null, share: 1 },
    });
  });

  it("turns the percent into the server's fraction", () => {
    expect(parseSetting("prefill", "3", "25")).toEqual({
      ok: true,
      setting: { drafts: "prefill", run: 3, share: 0.25 },
    });
    expect(parseSetting("prefill", "3", "0")).toMatchObject({ ok: true, setting: { share: 0 } });
  });

  it("names the control at fault", () => {
    expect(parseSetting("shown", "3", "50")).toMatchObject({ ok: false, control: "drafts" });
    expect(parseSetting("prefill", "", "50")).toMatchObject({ ok: false, control: "run" });
    for (const share of ["", "NaN", "-1", "100.5"])
      expect(parseSetting("prefill", "3", share)).toMatchObject({ ok: false, control: "share" });
  });
});

describe("sharePercent", () => {
  it("shows the fraction in percent to a tenth, a missing share as all claims", () => {
    expect(sharePercent(0.25)).toBe("25");
    expect(sharePercent(1 / 3)).toBe("33.3");
    expect(sharePercent(undefined)).toBe("100");
  });
});
