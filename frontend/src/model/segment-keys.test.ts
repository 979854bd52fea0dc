import { describe, expect, it } from "vitest";
import { segmentKey } from "./segment-keys";
import type { Segment } from "./segments";

const bounds = { duration: 12, minLength: 0.2 };
const three: Segment<string>[] = [
  { start: 0, end: 4, labels: "a" },
  { start: 4, end: 8, labels: "b" },
  { start: 8, end: 12, labels: "c" },
];
const at = (selected: number, time = 0) => ({
  segments: three,
  selected,
  time,
  bounds,
  empty: "",
});

describe("segmentKey", () => {
  it("P on the first segment keeps it selected, N on the last keeps the last", () => {
    expect(segmentKey({ name: "segment-select", step: -1 }, at(0))).toMatchObject({
      ok: true,
      index: 0,
      message: "Segment 1 of 3 selected.",
    });
    expect(segmentKey({ name: "segment-select", step: 1 }, at(2))).toMatchObject({ index: 2 });
    expect(segmentKey({ name: "segment-select", step: 1 }, at(-1))).toMatchObject({ index: 0 });
    expect(
      segmentKey({ name: "segment-select", step: 1 }, { ...at(-1), segments: [] }),
    ).toMatchObject({ ok: false });
  });

  it("says what it changed", () => {
    const deleted = segmentKey({ name: "segment-delete" }, at(1));
    expect(deleted).toMatchObject({ ok: true, index: 1, message: "Segment 2 deleted." });
    expect(deleted.ok && deleted.segments.map((s) => s.labels)).toEqual(["a", "c"]);
    expect(segmentKey({ name: "segment-merge" }, at(0))).toMatchObject({
      ok: true,
      message: "Segment 1 merged with the next one.",
    });
    expect(segmentKey({ name: "segment-end" }, at(0, 3.5))).toMatchObject({
      message: "Segment 1 now ends at 0:03.5.",
    });
  });

  it("says why nothing changed", () => {
    expect(segmentKey({ name: "segment-merge" }, at(2))).toEqual({
      ok: false,
      message: "Select a segment that has a next one to merge with.",
    });
    expect(segmentKey({ name: "segment-new" }, at(0, 1))).toMatchObject({ ok: false });
    expect(segmentKey({ name: "segment-delete" }, at(-1))).toMatchObject({ ok: false });
  });
});
