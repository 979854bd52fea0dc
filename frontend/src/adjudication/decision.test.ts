import { describe, expect, it } from "vitest";
import type { LabelSchema, Layer } from "../model/labels";
import { boundsFor, segmentField } from "../model/segment-labels";
import {
  rationaleProblem,
  segmentsFrom,
  staticProblem,
  streamPayload,
  streamProblem,
} from "./decision";

const BASIC: Layer = {
  name: "basic7",
  type: "single",
  title: { en: "Basic emotion" },
  labels: [{ value: "Joy" }, { value: "Anger" }],
  required: true,
};
const GO: Layer = { name: "goemotions", type: "multi", labels: [{ value: "joy" }], required: true };
const INTENSITY: Layer = { name: "intensity", type: "ordinal", min: 1, max: 5 };
const SCHEMA: LabelSchema = {
  layers: [BASIC, GO, INTENSITY],
  segments: { primary: "basic7", intensity: "intensity", text_fields: ["transcript_en"] },
};
const BOUNDS = boundsFor(10);

describe("stream decisions", () => {
  const payload = {
    segments: [
      { start: 4, end: 12, basic7: "Anger", intensity: 9, transcript_en: "no!" },
      { start: 0, end: 4, basic7: "Joy", intensity: 2, speaker: "Ann", goemotions: ["joy"] },
      { start: 5, end: 5.1, basic7: "Joy" },
    ],
    note: "dropped",
  };

  it("reads a payload's segments: sorted, within the clip, schema values only, text kept", () => {
    const segments = segmentsFrom(SCHEMA, payload, BOUNDS);
    expect(segments).toEqual([
      {
        start: 0,
        end: 4,
        labels: { choices: { basic7: "Joy", intensity: 2 }, text: { speaker: "Ann" } },
      },
      {
        start: 4,
        end: 10,
        labels: { choices: { basic7: "Anger" }, text: { transcript_en: "no!" } },
      },
    ]);
  });

  it("writes them back as a payload", () => {
    expect(streamPayload(segmentsFrom(SCHEMA, payload, BOUNDS))).toEqual({
      segments: [
        { start: 0, end: 4, speaker: "Ann", basic7: "Joy", intensity: 2 },
        { start: 4, end: 10, transcript_en: "no!", basic7: "Anger" },
      ],
    });
  });

  it("says which segment still needs a label, as the server names the field", () => {
    const segments = segmentsFrom(SCHEMA, payload, BOUNDS);
    expect(streamProblem(SCHEMA, segments, "en")).toEqual({
      field: "segments[1].intensity",
      message: "Segment 2 still needs: intensity.",
    });
    expect(streamProblem(SCHEMA, segments.slice(0, 1), "en")).toBeNull();
    expect(streamProblem(SCHEMA, [], "en")?.field).toBe("segments");
  });

  it("finds the segment a server error names", () => {
    expect(segmentField("segments[3].basic7")).toEqual({ index: 3, layer: "basic7" });
    expect(segmentField("segments[0]")).toEqual({ index: 0, layer: null });
    expect(segmentField("segments")).toBeNull();
    expect(segmentField("rationale")).toBeNull();
  });
});

describe("static decisions", () => {
  it("lists the required layers still to choose", () => {
    expect(staticProblem([BASIC, GO, INTENSITY], { goemotions: [] }, "en")).toEqual({
      field: "basic7",
      message: "Still to choose: Basic emotion, goemotions, intensity.",
    });
    expect(staticProblem([BASIC], { basic7: "Joy" }, "en")).toBeNull();
  });
});

describe("rationale", () => {
  it("is required, blanks do not count", () => {
    expect(rationaleProblem("  \n")?.field).toBe("rationale");
    expect(rationaleProblem("A laughs, B missed it")).toBeNull();
  });
});
