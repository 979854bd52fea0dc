import { describe, expect, it } from "vitest";
import {
  agreementLines,
  daySeconds,
  labelShares,
  mostChosen,
  radarSeries,
  throughputSplit,
  tierLayers,
  tierShares,
} from "./shaping";
import type { AgreementAnswer, AnnotatorsAnswer, AnnotatorStats } from "./types";

const agreement: AgreementAnswer = {
  figures: [
    { key: "basic7.fleiss_kappa", label: "Basic-7 · Fleiss κ" },
    { key: "basic7.krippendorff_alpha_nominal", label: "Basic-7 · α" },
    { key: "intensity.krippendorff_alpha_ordinal", label: "Intensity · α" },
  ],
  layers: { basic7: "Basic-7" },
  reports: [
    {
      id: 1,
      at: "2026-11-01T00:00:00Z",
      values: { "basic7.fleiss_kappa": 0.4, "basic7.krippendorff_alpha_nominal": null },
      ds_tiers: {},
    },
    {
      id: 2,
      at: "2026-11-02T00:00:00Z",
      values: { "basic7.fleiss_kappa": 0.5, "basic7.krippendorff_alpha_nominal": 0.45 },
      ds_tiers: { basic7: { high: 6, medium: 3, low: 1 } },
    },
    {
      id: 3,
      at: "2026-11-03T00:00:00Z",
      values: { "basic7.fleiss_kappa": null, "basic7.krippendorff_alpha_nominal": 0.5 },
      ds_tiers: {
        basic7: { high: 0, medium: 0, low: 0 },
        goemotions: { high: 1, medium: 1, low: 2 },
      },
    },
  ],
  pairs: [],
  confidence: [],
};

const annotator = (username: string, extra: Partial<AnnotatorStats> = {}): AnnotatorStats => ({
  user_id: 1,
  username,
  submitted: 10,
  last_7_days: 4,
  accuracy_vs_aggregate: null,
  kappa_vs_gold: null,
  entropy_normalised: null,
  unsure_share: 0,
  controls: 0,
  controls_correct: 0,
  control_accuracy: null,
  control_interval: null,
  live_agreement: null,
  live_entropy: null,
  median_seconds: null,
  ds_accuracy: null,
  ds_confusion: null,
  paused: null,
  label_distribution: {},
  ...extra,
});

const annotators: AnnotatorsAnswer = {
  report: null,
  layer: "basic7",
  layer_title: "Basic-7",
  classes: [
    { value: "Anger", en: "Anger", zh: "愤怒" },
    { value: "Joy", en: "Joy", zh: "喜悦" },
    { value: "Unsure", en: "Unsure", zh: "不确定" },
  ],
  annotators: [
    annotator("a1", { label_distribution: { Joy: 3, Anger: 1 } }),
    annotator("a2", {
      submitted: 3,
      last_7_days: 5,
      label_distribution: { Unsure: 1, Joy: 2, Other: 1 },
    }),
    annotator("a3"),
  ],
  radar: {
    axes: [
      { key: "throughput", label: "Throughput" },
      { key: "agreement", label: "Agreement" },
    ],
    values: { a2: [0.2, 0.9], a1: [1, 0.5] },
  },
};

describe("daySeconds", () => {
  it("places a day at its local midnight", () => {
    expect(daySeconds("2026-10-28")).toBe(new Date(2026, 9, 28).getTime() / 1000);
  });
});

describe("agreementLines", () => {
  it("makes a line per figure with gaps, leaving out figures never computed", () => {
    const { xs, lines } = agreementLines(agreement);
    expect(xs).toEqual([1793491200, 1793577600, 1793664000]);
    expect(lines.map((l) => l.key)).toEqual([
      "basic7.fleiss_kappa",
      "basic7.krippendorff_alpha_nominal",
    ]);
    expect(lines[0]!.values).toEqual([0.4, 0.5, null]);
    expect(lines[1]!.values).toEqual([null, 0.45, 0.5]);
  });
});

describe("tier shares", () => {
  it("lists layers with tiers and shares them per report", () => {
    expect(tierLayers(agreement.reports)).toEqual(["basic7", "goemotions"]);
    const { reports, shares } = tierShares(agreement.reports, "basic7");
    expect(reports.map((r) => r.id)).toEqual([2, 3]);
    expect(shares.high).toEqual([0.6, null]);
    expect(shares.medium).toEqual([0.3, null]);
    expect(shares.low).toEqual([0.1, null]);
  });
});

describe("annotators", () => {
  it("splits submissions into the last 7 days and before, never below zero", () => {
    expect(throughputSplit(annotators)).toEqual({ recent: [4, 5, 4], earlier: [6, 0, 6] });
  });

  it("shares labels per annotator, classes first, then labels only the data has", () => {
    const { labels, columns } = labelShares(annotators);
    expect(labels.map((l) => l.value)).toEqual(["Anger", "Joy", "Unsure", "Other"]);
    expect(columns).toEqual([
      [0.25, 0, null],
      [0.75, 0.5, null],
      [0, 0.25, null],
      [0, 0.25, null],
    ]);
  });

  it("finds each annotator's most chosen label", () => {
    const top = mostChosen(labelShares(annotators));
    expect(top.map((t) => t && [t.label.value, t.share])).toEqual([
      ["Joy", 0.75],
      ["Joy", 0.5],
      null,
    ]);
  });

  it("orders radar polygons like the annotator list", () => {
    expect(radarSeries(annotators)).toEqual([
      { name: "a1", values: [1, 0.5] },
      { name: "a2", values: [0.2, 0.9] },
    ]);
  });
});
