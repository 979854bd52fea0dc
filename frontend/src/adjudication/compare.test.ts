import { describe, expect, it } from "vitest";
import { valueText } from "../layers/registry";
import type { LabelSchema, Layer } from "../model/labels";
import { type Column, labelShares, segmentText, staticRows, streamRows } from "./compare";

const BASIC: Layer = {
  name: "basic7",
  type: "single",
  title: { en: "Basic emotion", zh: "基本情绪" },
  labels: [
    { value: "Anger", en: "Anger", zh: "愤怒" },
    { value: "Joy", en: "Joy", zh: "喜悦" },
    { value: "Fear", en: "Fear", zh: "恐惧" },
  ],
  allow_unsure: true,
};
const GO: Layer = {
  name: "goemotions",
  type: "multi",
  labels: [
    { value: "joy", en: "joy", zh: "喜悦" },
    { value: "pride", en: "pride" },
  ],
};
const INTENSITY: Layer = { name: "intensity", type: "ordinal", min: 1, max: 5 };
const LAYERS = [BASIC, GO, INTENSITY];
const SCHEMA: LabelSchema = {
  layers: LAYERS,
  segments: { primary: "basic7", intensity: "intensity" },
};

const col = (annotator: string | null, payload: Record<string, unknown>): Column => ({
  annotator,
  payload,
});

describe("valueText", () => {
  it("names labels in both languages, the interface language first", () => {
    expect(valueText(BASIC, "Joy", "en")).toBe("Joy · 喜悦");
    expect(valueText(BASIC, "Joy", "zh")).toBe("喜悦 · Joy");
    expect(valueText(BASIC, "Unsure", "en")).toBe("Unsure · 不确定");
    expect(valueText(GO, ["pride", "joy"], "en")).toBe("pride, joy · 喜悦");
    expect(valueText(GO, [], "en")).toBe("—");
    expect(valueText(GO, "joy", "en")).toBe("joy · 喜悦");
    expect(valueText(INTENSITY, 4, "en")).toBe("4");
    expect(valueText(BASIC, undefined, "en")).toBe("—");
    expect(valueText(BASIC, "Gone", "en")).toBe("Gone");
  });
});

describe("staticRows", () => {
  const columns = [
    col("Annotator A", { basic7: "Joy", goemotions: ["joy", "pride"], intensity: 3 }),
    col("Annotator B", { basic7: "Joy", goemotions: ["pride", "joy"], intensity: 4 }),
    col("Annotator C", { basic7: "Fear", goemotions: ["pride", "joy"] }),
    col(null, { basic7: "Joy", goemotions: ["joy", "pride"], goemotions_soft: { joy: 1 } }),
  ];
  const rows = staticRows(LAYERS, columns, "en");

  it("has one row per layer and one cell per column", () => {
    expect(rows.map((r) => r.key)).toEqual(["basic7", "goemotions", "intensity"]);
    expect(rows[0]!.title).toBe("Basic emotion");
    expect(rows[0]!.cells.map((c) => c.text)).toEqual([
      "Joy · 喜悦",
      "Joy · 喜悦",
      "Fear · 恐惧",
      "Joy · 喜悦",
    ]);
  });

  it("marks the annotators who break from the majority, never the aggregate", () => {
    expect(rows[0]!.agree).toBe(false);
    expect(rows[0]!.cells.map((c) => c.differs)).toEqual([false, false, true, false]);
  });

  it("compares label sets regardless of order", () => {
    expect(rows[1]!.agree).toBe(true);
    expect(rows[1]!.cells.every((c) => !c.differs)).toBe(true);
  });

  it("marks every answer on a tie, a missing one too", () => {
    expect(rows[2]!.agree).toBe(false);
    expect(rows[2]!.cells.map((c) => c.differs)).toEqual([true, true, true, false]);
    expect(rows[2]!.cells[2]!.text).toBe("—");
  });

  it("does not call a layer nobody chose an agreement", () => {
    const [row] = staticRows([INTENSITY], [col("Annotator A", {}), col("Annotator B", {})], "en");
    expect(row!.agree).toBe(false);
  });
});

describe("stream clips", () => {
  const a = {
    segments: [
      { start: 0, end: 3, basic7: "Joy", intensity: 2 },
      { start: 3, end: 4, basic7: "Anger", intensity: 2 },
    ],
  };
  const b = { segments: [{ start: 0, end: 4, basic7: "Anger", intensity: 2 }] };

  it("shares each label's time", () => {
    expect(labelShares(a, BASIC)).toEqual([
      { value: "Joy", share: 0.75 },
      { value: "Anger", share: 0.25 },
    ]);
    expect(labelShares({ segments: [] }, BASIC)).toEqual([]);
  });

  it("compares segment counts, the most used labels and trace coverage", () => {
    const rows = streamRows(
      SCHEMA,
      [
        { ...col("Annotator A", a), traceCoverage: 0.96 },
        { ...col("Annotator B", b), traceCoverage: null },
        col(null, a),
      ],
      "en",
    );
    expect(rows.map((r) => r.key)).toEqual(["segments", "basic7", "intensity", "trace"]);
    expect(rows[0]!.cells.map((c) => c.text)).toEqual(["2 segments", "1 segment", "2 segments"]);
    expect(rows[0]!.agree).toBe(false);
    expect(rows[1]!.cells[0]!.text).toBe("Joy · 喜悦 (75%), Anger · 愤怒 (25%)");
    expect(rows[1]!.cells.map((c) => c.differs)).toEqual([true, true, false]);
    expect(rows[2]!.agree).toBe(true);
    expect(rows[2]!.cells[1]!.text).toBe("2 (100%)");
    expect(rows[3]!.cells.map((c) => c.text)).toEqual(["96%", "no trace", ""]);
    expect(rows[3]!.agree).toBe(true);
  });

  it("has no trace row when no column reports coverage", () => {
    const rows = streamRows(SCHEMA, [col("Annotator A", a)], "en");
    expect(rows.map((r) => r.key)).toEqual(["segments", "basic7", "intensity"]);
  });
});

describe("segmentText", () => {
  it("names every segment layer that has a value", () => {
    expect(segmentText(SCHEMA, { start: 0, end: 1, basic7: "Joy", intensity: 3 }, "en")).toBe(
      "Basic emotion: Joy · 喜悦; intensity: 3",
    );
    expect(segmentText(SCHEMA, { start: 0, end: 1 }, "en")).toBe("unlabelled");
  });
});
