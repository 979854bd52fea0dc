import { describe, expect, it } from "vitest";
import { lastValue, shareColumns, shares, stack } from "./series";

describe("stack", () => {
  it("adds columns up, a gap counting as zero above a value", () => {
    expect(
      stack([
        [1, null, 2],
        [3, 4, null],
        [null, 1, 1],
      ]),
    ).toEqual([
      [1, null, 2],
      [4, 4, 2],
      [4, 5, 3],
    ]);
  });

  it("keeps a slot with no value anywhere a gap", () => {
    expect(stack([[null], [null]])).toEqual([[null], [null]]);
  });

  it("stacks nothing into nothing", () => {
    expect(stack([])).toEqual([]);
  });
});

describe("shares", () => {
  it("gives fractions of the total", () => {
    expect(shares([1, 3, null])).toEqual([0.25, 0.75, 0]);
  });

  it("has no shares of an empty whole", () => {
    expect(shares([0, null])).toEqual([null, null]);
  });
});

describe("shareColumns", () => {
  it("shares each row across columns and keeps empty rows as gaps", () => {
    expect(
      shareColumns([
        [1, null, 0],
        [1, null, 0],
        [2, null, 0],
      ]),
    ).toEqual([
      [0.25, null, null],
      [0.25, null, null],
      [0.5, null, null],
    ]);
  });

  it("fills short columns with gaps", () => {
    expect(shareColumns([[1, 1], [1]])).toEqual([
      [0.5, 1],
      [0.5, 0],
    ]);
  });
});

describe("lastValue", () => {
  it("skips gaps", () => {
    expect(lastValue([1, 2, null])).toBe(2);
    expect(lastValue([null])).toBeNull();
  });
});
