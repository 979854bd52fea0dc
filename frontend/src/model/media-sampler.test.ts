import { describe, expect, it } from "vitest";
import { firstIndexAtOrAfter, lastIndexAtOrBefore, MediaSampler } from "./media-sampler";

function indices(range: { from: number; to: number }): number[] {
  return Array.from({ length: range.to - range.from }, (_, i) => range.from + i);
}

describe("MediaSampler", () => {
  it("emits the grid points the media passed, including t = 0", () => {
    const s = new MediaSampler(25);
    s.jumpTo(0);
    expect(indices(s.advanceTo(0.016))).toEqual([0]);
    expect(indices(s.advanceTo(0.033))).toEqual([]);
    expect(indices(s.advanceTo(0.04))).toEqual([1]);
    expect(indices(s.advanceTo(0.2))).toEqual([2, 3, 4, 5]);
  });

  it("emits each grid point once over many irregular ticks", () => {
    const s = new MediaSampler(25);
    s.jumpTo(0);
    const seen: number[] = [];
    let t = 0;
    let step = 0.001;
    while (t < 10) {
      seen.push(...indices(s.advanceTo(t)));
      step = (step * 7.3) % 0.09; // 0..90 ms, like frames of a busy page
      t += step + 0.0005;
    }
    seen.push(...indices(s.advanceTo(10)));
    expect(seen).toEqual(Array.from({ length: 251 }, (_, k) => k));
  });

  it("is exact on grid points despite floating-point error", () => {
    const s = new MediaSampler(25);
    s.jumpTo(0);
    // 0.28 * 25 = 7.000000000000001, 0.07 * 100 = 7.000000000000001
    expect(s.advanceTo(0.28).to).toBe(8);
    const h = new MediaSampler(100);
    h.jumpTo(0.07);
    expect(h.nextIndex).toBe(7);
    expect(lastIndexAtOrBefore((0.29 * 100) / 100, 100)).toBe(29);
    expect(firstIndexAtOrAfter(0.57, 100)).toBe(57);
  });

  it("emits nothing while paused: the media clock does not move", () => {
    const s = new MediaSampler(25);
    s.jumpTo(0);
    s.advanceTo(1.0);
    for (let i = 0; i < 100; i++) expect(indices(s.advanceTo(1.0))).toEqual([]);
    expect(indices(s.advanceTo(1.05))).toEqual([26]);
  });

  it("catches up at any playback rate: 4x emits the same grid, more per tick", () => {
    const s = new MediaSampler(25);
    s.jumpTo(0);
    const seen: number[] = [];
    for (let frame = 1; frame <= 60; frame++) seen.push(...indices(s.advanceTo(frame * (4 / 60))));
    expect(seen).toEqual(Array.from({ length: 101 }, (_, k) => k));
    // Half speed: some ticks pass no grid point.
    const slow = new MediaSampler(25);
    slow.jumpTo(0);
    const counts = [1, 2, 3, 4].map((f) => indices(slow.advanceTo(f * (0.5 / 60))).length);
    expect(counts.reduce((a, b) => a + b)).toBe(1);
  });

  it("skips a forward seek without filling the skipped stretch", () => {
    const s = new MediaSampler(25);
    s.jumpTo(0);
    s.advanceTo(2.0); // 0..50
    s.jumpTo(10.01);
    expect(s.nextIndex).toBe(251);
    expect(indices(s.advanceTo(10.1))).toEqual([251, 252]);
  });

  it("a jump onto a grid point records that point", () => {
    const s = new MediaSampler(25);
    s.jumpTo(3);
    expect(indices(s.advanceTo(3))).toEqual([75]);
  });

  it("treats a backward move as a seek: the stretch is recorded again", () => {
    const s = new MediaSampler(25);
    s.jumpTo(0);
    s.advanceTo(5.0);
    expect(indices(s.advanceTo(3.0))).toEqual([]);
    expect(s.nextIndex).toBe(75);
    expect(indices(s.advanceTo(3.08))).toEqual([75, 76, 77]);
  });

  it("measures how late each grid point was read", () => {
    const s = new MediaSampler(10);
    s.jumpTo(0);
    s.advanceTo(0.05); // k=0 read 50 ms late
    s.advanceTo(0.21); // k=1 110 ms late, k=2 10 ms late
    expect(s.lag.count).toBe(3);
    expect(s.lag.late).toBe(1); // k=1 was read after k=2 had passed
    expect(s.lag.max).toBeCloseTo(0.11, 9);
    expect(s.lag.mean).toBeCloseTo((0.05 + 0.11 + 0.01) / 3, 9);
  });

  it("rejects invalid rates and times", () => {
    expect(() => new MediaSampler(0)).toThrow(/rate/);
    expect(() => new MediaSampler(Infinity)).toThrow(/rate/);
    const s = new MediaSampler(25);
    expect(() => s.advanceTo(NaN)).toThrow(/media time/);
    expect(() => s.jumpTo(-1)).toThrow(/media time/);
  });
});
