import { describe, expect, it } from "vitest";
import {
  axisAngle,
  axisLabel,
  pointsAttribute,
  radarPoint,
  radarPolygon,
  radarRing,
  unit,
} from "./radar";

const frame = { cx: 100, cy: 100, radius: 50 };

describe("radar geometry", () => {
  it("starts at the top and goes clockwise", () => {
    expect(axisAngle(0, 4)).toBeCloseTo(-Math.PI / 2);
    const right = radarPoint(1, 4, 1, frame);
    expect(right.x).toBeCloseTo(150);
    expect(right.y).toBeCloseTo(100);
    const bottom = radarPoint(2, 4, 1, frame);
    expect(bottom.x).toBeCloseTo(100);
    expect(bottom.y).toBeCloseTo(150);
  });

  it("puts a value that fraction of the way out", () => {
    const top = radarPoint(0, 5, 0.5, frame);
    expect(top.x).toBeCloseTo(100);
    expect(top.y).toBeCloseTo(75);
  });

  it("clamps values and leaves missing ones out", () => {
    expect(unit(1.5)).toBe(1);
    expect(unit(-0.2)).toBe(0);
    expect(unit(null)).toBe(0);
    expect(unit(Number.NaN)).toBe(0);
    expect(
      radarPolygon([null, 2, 0.5], frame).map((p) => Math.hypot(p.x - 100, p.y - 100)),
    ).toEqual([expect.closeTo(50), expect.closeTo(25)]);
    expect(radarPolygon([0.5, Number.NaN, 0.5], frame)).toHaveLength(2);
  });

  it("draws rings with a corner per axis", () => {
    expect(pointsAttribute(radarRing(1, 4, frame))).toBe("100,50 150,100 100,150 50,100");
  });

  it("anchors labels away from the chart", () => {
    expect(axisLabel(0, 4, frame, 10)).toMatchObject({ anchor: "middle", baseline: "auto" });
    expect(axisLabel(1, 4, frame, 10)).toMatchObject({
      x: 160,
      anchor: "start",
      baseline: "middle",
    });
    expect(axisLabel(2, 4, frame, 10)).toMatchObject({ anchor: "middle", baseline: "hanging" });
    expect(axisLabel(3, 4, frame, 10)).toMatchObject({ anchor: "end", baseline: "middle" });
  });
});
