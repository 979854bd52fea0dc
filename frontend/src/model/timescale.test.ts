import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_PX_PER_SECOND, Timescale } from "./timescale";

describe("Timescale", () => {
  it("defaults to the zoom at which the whole duration fits the viewport", () => {
    const ts = new Timescale({ duration: 20, viewportPx: 800 });
    expect(ts.pxPerSecond).toBe(40);
    expect(ts.scrollSeconds).toBe(0);
    expect(ts.visibleSeconds).toBe(20);
    expect(ts.timeToPx(20)).toBe(800);
  });

  it("maps time to pixels and back", () => {
    const ts = new Timescale({ duration: 60, viewportPx: 500, pxPerSecond: 100, scrollSeconds: 12.5 });
    expect(ts.timeToPx(12.5)).toBe(0);
    expect(ts.timeToPx(15)).toBe(250);
    expect(ts.pxToTime(250)).toBe(15);
    for (const t of [0, 0.01, 12.5, 13.37, 17.5, 59.99]) {
      expect(ts.pxToTime(ts.timeToPx(t))).toBeCloseTo(t, 9);
    }
    for (const px of [-30, 0, 1, 123.4, 500]) {
      expect(ts.timeToPx(ts.pxToTime(px))).toBeCloseTo(px, 9);
    }
  });

  it("keeps the time under the anchor fixed when zooming", () => {
    const ts = new Timescale({ duration: 60, viewportPx: 600, pxPerSecond: 50, scrollSeconds: 10 });
    const anchorPx = 240;
    const before = ts.pxToTime(anchorPx);
    ts.zoomAround(anchorPx, 2);
    expect(ts.pxPerSecond).toBe(100);
    expect(ts.pxToTime(anchorPx)).toBeCloseTo(before, 9);
    expect(ts.scrollSeconds).toBeCloseTo(12.4, 9);
    ts.zoomAround(anchorPx, 0.8);
    expect(ts.pxPerSecond).toBe(80);
    expect(ts.pxToTime(anchorPx)).toBeCloseTo(before, 9);
  });

  it("zoom in then out by the inverse factor restores the view", () => {
    const ts = new Timescale({ duration: 100, viewportPx: 400, pxPerSecond: 20, scrollSeconds: 30 });
    ts.zoomAround(100, 3);
    ts.zoomAround(100, 1 / 3);
    expect(ts.pxPerSecond).toBeCloseTo(20, 9);
    expect(ts.scrollSeconds).toBeCloseTo(30, 9);
  });

  it("clamps scrolling to [0, duration - visible]", () => {
    const ts = new Timescale({ duration: 30, viewportPx: 100, pxPerSecond: 10 });
    ts.scrollTo(-5);
    expect(ts.scrollSeconds).toBe(0);
    ts.scrollTo(25);
    expect(ts.scrollSeconds).toBe(20);
    expect(ts.timeToPx(30)).toBe(100);
    ts.scrollTo(Infinity);
    expect(ts.scrollSeconds).toBe(20);
    expect(new Timescale({ duration: 30, viewportPx: 100, pxPerSecond: 10, scrollSeconds: 99 }).scrollSeconds).toBe(20);
  });

  it("clamps the scroll when zooming near the edges", () => {
    const ts = new Timescale({ duration: 30, viewportPx: 100, pxPerSecond: 10, scrollSeconds: 20 });
    // Zooming out at the left edge would start the view at a negative time.
    ts.zoomAround(0, 0.5);
    expect(ts.pxPerSecond).toBe(5);
    expect(ts.scrollSeconds).toBe(10);
    expect(ts.pxToTime(100)).toBe(30);
  });

  it("never zooms out further than the whole duration nor past the limits", () => {
    const ts = new Timescale({ duration: 50, viewportPx: 500, maxPxPerSecond: 200 });
    expect(ts.minPxPerSecond).toBe(10);
    ts.zoomAround(250, 0.01);
    expect(ts.pxPerSecond).toBe(10);
    expect(ts.scrollSeconds).toBe(0);
    ts.zoomAround(250, 1000);
    expect(ts.pxPerSecond).toBe(200);
    expect(ts.pxToTime(250)).toBeCloseTo(25, 9);
  });

  it("bounds the fit zoom by the configured limits", () => {
    // A 10 ms clip would need 50000 px/s to fill 500 px.
    const short = new Timescale({ duration: 0.01, viewportPx: 500 });
    expect(short.pxPerSecond).toBe(DEFAULT_MAX_PX_PER_SECOND);
    expect(short.scrollSeconds).toBe(0);
    // A long clip may be shown smaller than the viewport only down to the minimum.
    const long = new Timescale({ duration: 10_000, viewportPx: 100, minPxPerSecond: 0.5 });
    expect(long.pxPerSecond).toBe(0.5);
    long.scrollTo(9_900);
    expect(long.scrollSeconds).toBe(9_800);
  });

  it("handles a zero duration without NaN or scrolling", () => {
    const ts = new Timescale({ duration: 0, viewportPx: 300 });
    expect(Number.isFinite(ts.pxPerSecond)).toBe(true);
    expect(ts.pxPerSecond).toBeGreaterThan(0);
    expect(ts.scrollSeconds).toBe(0);
    expect(ts.timeToPx(0)).toBe(0);
    ts.zoomAround(150, 4);
    ts.scrollTo(10);
    expect(ts.scrollSeconds).toBe(0);
    expect(ts.timeToPx(0)).toBe(0);
    expect(Number.isFinite(ts.pxToTime(300))).toBe(true);
  });

  it("handles a zero-width viewport", () => {
    const ts = new Timescale({ duration: 10, viewportPx: 0 });
    expect(Number.isFinite(ts.pxPerSecond)).toBe(true);
    ts.scrollTo(4);
    expect(ts.scrollSeconds).toBe(4);
    ts.scrollTo(11);
    expect(ts.scrollSeconds).toBe(10);
  });

  it("rejects invalid arguments", () => {
    expect(() => new Timescale({ duration: -1, viewportPx: 10 })).toThrow(/duration/);
    expect(() => new Timescale({ duration: NaN, viewportPx: 10 })).toThrow(/duration/);
    expect(() => new Timescale({ duration: 1, viewportPx: Infinity })).toThrow(/viewportPx/);
    expect(() => new Timescale({ duration: 1, viewportPx: 10, minPxPerSecond: 0 })).toThrow(/minPxPerSecond/);
    expect(() => new Timescale({ duration: 1, viewportPx: 10, minPxPerSecond: 5, maxPxPerSecond: 2 })).toThrow(
      /must not exceed/,
    );
    const ts = new Timescale({ duration: 1, viewportPx: 10 });
    expect(() => ts.zoomAround(0, 0)).toThrow(/factor/);
    expect(() => ts.zoomAround(0, NaN)).toThrow(/factor/);
    expect(() => ts.scrollTo(NaN)).toThrow(/NaN/);
  });
});
