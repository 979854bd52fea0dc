import { describe, expect, it } from "vitest";
import type { Layer } from "../model/labels";
import {
  disagreements,
  labelColour,
  laneSegments,
  NO_LABEL_COLOUR,
  PALETTE,
  place,
  ticks,
  totalSeconds,
} from "./lanes";

const BASIC: Layer = {
  name: "basic7",
  type: "single",
  labels: [{ value: "Anger" }, { value: "Joy" }],
  allow_unsure: true,
};

const lane = (...segs: [number, number, string | null][]) =>
  laneSegments(
    {
      segments: segs.map(([start, end, v]) =>
        v === null ? { start, end } : { start, end, basic7: v },
      ),
    },
    "basic7",
  );

describe("laneSegments", () => {
  it("reads well-formed segments in time order with their primary label", () => {
    const payload = {
      segments: [
        { start: 4, end: 6, basic7: "Joy", speaker: "A" },
        { start: 0, end: 2, basic7: ["not", "a", "label"] },
        { start: 3, end: 3 },
        "junk",
        { start: "1", end: 2 },
      ],
    };
    const segs = laneSegments(payload, "basic7");
    expect(segs.map((s) => [s.index, s.start, s.end, s.value])).toEqual([
      [1, 0, 2, null],
      [0, 4, 6, "Joy"],
    ]);
    expect(segs[1]!.fields.speaker).toBe("A");
  });

  it("is empty for a payload without segments", () => {
    expect(laneSegments({ basic7: "Joy" }, "basic7")).toEqual([]);
  });
});

describe("place", () => {
  it("gives fractions of the clip, clamped to it", () => {
    expect(place({ start: 2, end: 5 }, 10)).toEqual({ left: 0.2, width: 0.3 });
    expect(place({ start: -1, end: 12 }, 10)).toEqual({ left: 0, width: 1 });
    expect(place({ start: 1, end: 2 }, 0)).toEqual({ left: 0, width: 0 });
  });
});

describe("disagreements", () => {
  it("finds where the primary labels differ, merging neighbouring stretches", () => {
    const a = lane([0, 4, "Joy"], [4, 8, "Anger"]);
    const b = lane([0, 3, "Joy"], [3, 8, "Anger"]);
    const c = lane([0, 5, "Joy"], [5, 8, "Anger"]);
    expect(disagreements([a, b, c], 10)).toEqual([{ start: 3, end: 5 }]);
  });

  it("counts a segment nobody else has, but not a stretch with no segments at all", () => {
    const a = lane([1, 2, "Joy"], [6, 9, "Joy"]);
    const b = lane([1, 2, "Joy"]);
    expect(disagreements([a, b], 10)).toEqual([{ start: 6, end: 9 }]);
  });

  it("treats unlabelled segments alike and apart from labelled ones", () => {
    const a = lane([0, 2, null], [2, 4, "Joy"]);
    const b = lane([0, 2, null], [2, 4, null]);
    expect(disagreements([a, b], 4)).toEqual([{ start: 2, end: 4 }]);
  });

  it("needs two lanes and a duration", () => {
    expect(disagreements([lane([0, 1, "Joy"])], 10)).toEqual([]);
    expect(disagreements([lane([0, 1, "Joy"]), lane()], 0)).toEqual([]);
  });

  it("adds up the time", () => {
    expect(
      totalSeconds([
        { start: 1, end: 2.5 },
        { start: 4, end: 5 },
      ]),
    ).toBe(2.5);
  });
});

describe("labelColour", () => {
  it("gives each label of the layer its colour, Unsure included, and none to the rest", () => {
    expect(labelColour(BASIC, "Anger")).toBe(PALETTE[0]);
    expect(labelColour(BASIC, "Joy")).toBe(PALETTE[1]);
    expect(labelColour(BASIC, "Unsure")).toBe(PALETTE[2]);
    expect(labelColour(BASIC, "Other")).toBe(NO_LABEL_COLOUR);
    expect(labelColour(BASIC, null)).toBe(NO_LABEL_COLOUR);
    expect(labelColour(undefined, "Joy")).toBe(NO_LABEL_COLOUR);
  });
});

describe("ticks", () => {
  it("picks a round step giving at most ten ticks", () => {
    expect(ticks(9)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(ticks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(47)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
    expect(ticks(600)).toEqual([0, 120, 240, 360, 480, 600]);
    expect(ticks(0)).toEqual([0]);
  });
});
