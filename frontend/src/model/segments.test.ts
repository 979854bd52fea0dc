import { describe, expect, it } from "vitest";
import {
  createSegment,
  indexAt,
  mergeWithNext,
  normaliseSegments,
  removeSegment,
  resizeSegment,
  type Segment,
  segmentsProblem,
  splitSegment,
  withLabels,
} from "./segments";

const B = { duration: 20, minLength: 0.2 };
const seg = (start: number, end: number, labels = ""): Segment<string> => ({ start, end, labels });
const spans = (list: readonly Segment<string>[]): number[][] => list.map((s) => [s.start, s.end]);
const THREE = [seg(1, 3, "a"), seg(5, 8, "b"), seg(8, 10, "c")];

describe("indexAt", () => {
  it("finds the segment under a time, end exclusive", () => {
    expect([0, 1, 2.99, 3, 5, 8, 9.99, 10].map((t) => indexAt(THREE, t))).toEqual([
      -1, 0, 0, -1, 1, 2, 2, -1,
    ]);
  });
});

describe("createSegment", () => {
  it("inserts in time order", () => {
    const edit = createSegment(THREE, 3.5, 4.5, "new", B)!;
    expect(edit.index).toBe(1);
    expect(spans(edit.segments)).toEqual([
      [1, 3],
      [3.5, 4.5],
      [5, 8],
      [8, 10],
    ]);
    expect(spans(THREE)).toEqual([
      [1, 3],
      [5, 8],
      [8, 10],
    ]); // input untouched
  });

  it("shortens to the free room around the anchor, either drag direction", () => {
    expect(spans(createSegment(THREE, 4, 12, "", B)!.segments)[1]).toEqual([4, 5]);
    expect(spans(createSegment(THREE, 4, 0, "", B)!.segments)[1]).toEqual([3, 4]);
    expect(spans(createSegment(THREE, 11, 99, "", B)!.segments)[3]).toEqual([11, 20]);
    expect(spans(createSegment([], 0.5, -3, "", B)!.segments)).toEqual([[0, 0.5]]);
  });

  it("refuses inside a segment or without room", () => {
    expect(createSegment(THREE, 6, 7, "", B)).toBeNull();
    expect(createSegment(THREE, 4.9, 7, "", B)).toBeNull(); // only 0.1 s free
    expect(createSegment(THREE, 4, 4.05, "", B)).toBeNull();
  });

  it("keeps times to the millisecond", () => {
    expect(spans(createSegment([], 1.23456, 2.00049, "", B)!.segments)).toEqual([[1.235, 2]]);
  });
});

describe("splitSegment", () => {
  it("splits in two, both halves keep the labels, the second is selected", () => {
    const edit = splitSegment(THREE, 1, 6.5, B)!;
    expect(edit.segments.map((s) => [s.start, s.end, s.labels])).toEqual([
      [1, 3, "a"],
      [5, 6.5, "b"],
      [6.5, 8, "b"],
      [8, 10, "c"],
    ]);
    expect(edit.index).toBe(2);
  });

  it("refuses a split that leaves a piece shorter than minLength or outside", () => {
    expect(splitSegment(THREE, 1, 5.1, B)).toBeNull();
    expect(splitSegment(THREE, 1, 7.9, B)).toBeNull();
    expect(splitSegment(THREE, 1, 9, B)).toBeNull();
    expect(splitSegment(THREE, 7, 9, B)).toBeNull();
  });
});

describe("mergeWithNext", () => {
  it("spans both and the gap between, with the first labels by default", () => {
    const edit = mergeWithNext(THREE, 0)!;
    expect(edit.segments.map((s) => [s.start, s.end, s.labels])).toEqual([
      [1, 8, "a"],
      [8, 10, "c"],
    ]);
  });

  it("combines labels as told", () => {
    expect(mergeWithNext(THREE, 1, (a, b) => a + b)!.segments[1]!.labels).toBe("bc");
  });

  it("refuses the last segment", () => {
    expect(mergeWithNext(THREE, 2)).toBeNull();
    expect(mergeWithNext([], 0)).toBeNull();
  });
});

describe("resizeSegment", () => {
  it("moves an edge within the neighbours, the clip and minLength", () => {
    expect(spans(resizeSegment(THREE, 1, "start", 4, B)!.segments)[1]).toEqual([4, 8]);
    expect(spans(resizeSegment(THREE, 1, "start", 0, B)!.segments)[1]).toEqual([3, 8]);
    expect(spans(resizeSegment(THREE, 1, "start", 9, B)!.segments)[1]).toEqual([7.8, 8]);
    expect(spans(resizeSegment(THREE, 0, "end", 99, B)!.segments)[0]).toEqual([1, 5]);
    expect(spans(resizeSegment(THREE, 2, "end", 99, B)!.segments)[2]).toEqual([8, 20]);
    expect(spans(resizeSegment(THREE, 2, "end", 0, B)!.segments)[2]).toEqual([8, 8.2]);
    expect(spans(resizeSegment(THREE, 0, "start", -5, B)!.segments)[0]).toEqual([0, 3]);
    expect(resizeSegment(THREE, 5, "end", 1, B)).toBeNull();
  });
});

describe("removeSegment and withLabels", () => {
  it("return new lists", () => {
    expect(spans(removeSegment(THREE, 1))).toEqual([
      [1, 3],
      [8, 10],
    ]);
    expect(withLabels(THREE, 2, "z").map((s) => s.labels)).toEqual(["a", "b", "z"]);
    expect(THREE[2]!.labels).toBe("c");
  });
});

describe("normaliseSegments", () => {
  it("sorts, clips to the clip, trims overlaps and drops slivers", () => {
    const raw = [seg(8, 25, "late"), seg(-1, 2, "x"), seg(1.5, 4, "y"), seg(3.9, 4.05, "sliver")];
    expect(normaliseSegments(raw, B).map((s) => [s.start, s.end, s.labels])).toEqual([
      [0, 2, "x"],
      [2, 4, "y"],
      [8, 20, "late"],
    ]);
  });
});

describe("invariants", () => {
  it("segmentsProblem names the broken rule", () => {
    expect(segmentsProblem(THREE, B)).toBeNull();
    expect(segmentsProblem([seg(1, 3), seg(2.5, 4)], B)).toMatch(/segment 2 overlaps segment 1/);
    expect(segmentsProblem([seg(1, 30)], B)).toMatch(/ends after/);
    expect(segmentsProblem([seg(1, 1.1)], B)).toMatch(/too short/);
    expect(segmentsProblem([seg(-1, 1)], B)).toMatch(/starts before/);
  });

  it("hold after any sequence of random edits", () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let list: Segment<string>[] = [];
    for (let step = 0; step < 5000; step++) {
      const t = random() * 22 - 1;
      const i = Math.floor(random() * (list.length + 1));
      const op = Math.floor(random() * 6);
      const edit =
        op === 0 || list.length === 0
          ? createSegment(list, t, t + random() * 6 - 3, `s${step}`, B)
          : op === 1
            ? splitSegment(list, i, t, B)
            : op === 2
              ? mergeWithNext(list, i)
              : op === 3
                ? resizeSegment(list, i, random() < 0.5 ? "start" : "end", t, B)
                : op === 4
                  ? { segments: removeSegment(list, i), index: 0 }
                  : createSegment(list, t, t + 0.5, `s${step}`, B);
      if (edit) list = edit.segments;
      expect(segmentsProblem(list, B)).toBeNull();
    }
  });
});
