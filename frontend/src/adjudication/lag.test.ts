import { describe, expect, it } from "vitest";
import { lagText, overlayData, shiftEarlier, traceSummary } from "./lag";
import type { TraceOverlay } from "./types";

const TRACE: TraceOverlay = {
  rate_hz: 2,
  step_s: 0.5,
  n_points: 6,
  dimensions: [{ name: "valence", min: -1, max: 1, title: { en: "Valence", zh: "效价" } }],
  series: [
    {
      annotator: "Annotator A",
      values: { valence: [0, 0.1, 0.2, 0.3, 0.4, 0.5] },
      lag_s: { valence: 1 },
    },
    {
      annotator: "Annotator B",
      values: { valence: [0.5, null, 0.3] },
      lag_s: { valence: null },
    },
  ],
  aggregate: { method: "ewe", values: { valence: [1, 2, 3, 4, 5, 6] } },
  aggregate_compensated: { method: "ewe", values: { valence: [7, 8, 9, 10, 11, 12] } },
  lag_s: { valence: 0.5 },
  ccc: { valence: { pairwise_min: 0.412, pairwise_mean: 0.55, lag_compensated_mean: null } },
};

describe("shiftEarlier", () => {
  it("moves values earlier by the lag, rounded to whole points, null shifted in", () => {
    expect(shiftEarlier([1, 2, 3, 4, 5], 1, 0.5)).toEqual([3, 4, 5, null, null]);
    expect(shiftEarlier([1, 2, 3, 4, 5], 0.74, 0.5)).toEqual([2, 3, 4, 5, null]);
  });

  it("moves values later for a negative lag and keeps gaps", () => {
    expect(shiftEarlier([1, null, 3, 4], -0.5, 0.5)).toEqual([null, 1, null, 3]);
  });

  it("leaves the series alone for a zero or unusable lag or step", () => {
    expect(shiftEarlier([1, 2], 0, 0.5)).toEqual([1, 2]);
    expect(shiftEarlier([1, 2], Number.NaN, 0.5)).toEqual([1, 2]);
    expect(shiftEarlier([1, 2], 1, 0)).toEqual([1, 2]);
  });

  it("does not change its input", () => {
    const values = [1, 2, 3];
    shiftEarlier(values, 0.5, 0.5);
    expect(values).toEqual([1, 2, 3]);
  });
});

describe("overlayData", () => {
  it("puts every annotator and the aggregate on the grid's times, padded with null", () => {
    const { times, lines } = overlayData(TRACE, "valence", false);
    expect(times).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(lines.map((l) => l.annotator)).toEqual(["Annotator A", "Annotator B", null]);
    expect(lines[1]!.values).toEqual([0.5, null, 0.3, null, null, null]);
    expect(lines.every((l) => l.shiftS === 0)).toBe(true);
  });

  it("compensates each annotator by their lag and draws the compensated aggregate", () => {
    const { lines } = overlayData(TRACE, "valence", true);
    expect(lines[0]).toEqual({
      annotator: "Annotator A",
      values: [0.2, 0.3, 0.4, 0.5, null, null],
      shiftS: 1,
    });
    // No lag estimated for B: left where it is.
    expect(lines[1]!.shiftS).toBe(0);
    expect(lines[2]).toEqual({ annotator: null, values: [7, 8, 9, 10, 11, 12], shiftS: 0 });
  });

  it("draws empty lines for a dimension nobody traced", () => {
    const { lines } = overlayData({ ...TRACE, aggregate_compensated: null }, "arousal", true);
    expect(lines).toHaveLength(2);
    expect(lines[0]!.values).toEqual([null, null, null, null, null, null]);
  });
});

describe("texts", () => {
  it("summarises the chart for screen readers", () => {
    expect(traceSummary(TRACE, "valence", "Valence")).toBe(
      "Valence traces of Annotator A, Annotator B, with their aggregate as a thick line. Concordance (CCC): lowest pair 0.41, mean 0.55, mean after lag compensation —.",
    );
    expect(traceSummary({ ...TRACE, aggregate: null }, "arousal", "Arousal")).toBe(
      "Arousal traces of Annotator A, Annotator B. Concordance (CCC): lowest pair —, mean —, mean after lag compensation —.",
    );
  });

  it("says the chosen lag", () => {
    expect(lagText(TRACE, "valence")).toBe("Chosen reaction lag: 0.5 s");
    expect(lagText(TRACE, "arousal")).toBe("Reaction lag: not estimated");
  });
});
