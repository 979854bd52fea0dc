import { describe, expect, it } from "vitest";
import { centre, type Dimension, nudge, toUnit, valueAtPoint, valueFromStick } from "./trace-pad";

const VA: Dimension[] = [
  { name: "valence", min: -1, max: 1 },
  { name: "arousal", min: -1, max: 1 },
];

describe("valueAtPoint", () => {
  it("maps left-right to the first dimension and bottom-top to the second", () => {
    expect(valueAtPoint(0, 0, 200, 100, VA)).toEqual([-1, 1]);
    expect(valueAtPoint(200, 100, 200, 100, VA)).toEqual([1, -1]);
    expect(valueAtPoint(100, 50, 200, 100, VA)).toEqual([0, 0]);
    expect(valueAtPoint(150, 75, 200, 100, VA)).toEqual([0.5, -0.5]);
  });

  it("clamps outside the pad and rounds to 4 decimals", () => {
    expect(valueAtPoint(-50, 300, 200, 100, VA)).toEqual([-1, -1]);
    expect(valueAtPoint(100 / 3, 50, 100, 100, VA)).toEqual([-0.3333, 0]);
  });

  it("uses each dimension's own range", () => {
    const dims = [
      { name: "v", min: 1, max: 9 },
      { name: "a", min: 0, max: 1 },
    ];
    expect(valueAtPoint(50, 25, 100, 100, dims)).toEqual([5, 0.75]);
    expect(centre(dims)).toEqual([5, 0.5]);
    expect(toUnit(7, dims[0]!)).toBe(0.75);
  });

  it("survives an empty pad", () => {
    expect(valueAtPoint(0, 0, 0, 0, VA)).toEqual([0, 0]);
  });
});

describe("nudge", () => {
  it("moves by a twentieth of the range, a fifth with Shift, and stops at the edges", () => {
    expect(nudge([0, 0], "ArrowRight", false, VA)).toEqual([0.1, 0]);
    expect(nudge([0, 0], "ArrowUp", true, VA)).toEqual([0, 0.4]);
    expect(nudge([0, -0.95], "ArrowDown", false, VA)).toEqual([0, -1]);
    expect(nudge([-1, 0], "ArrowLeft", true, VA)).toEqual([-1, 0]);
    expect(nudge([0.3, 0.3], "Home", false, VA)).toEqual([0, 0]);
    expect(nudge([0, 0], "x", false, VA)).toBeNull();
  });

  it("does not drift over many steps", () => {
    let v = [0, 0] as readonly number[];
    for (let i = 0; i < 7; i++) v = nudge(v, "ArrowRight", false, VA)!;
    for (let i = 0; i < 7; i++) v = nudge(v, "ArrowLeft", false, VA)!;
    expect(v).toEqual([0, 0]);
  });
});

describe("valueFromStick", () => {
  it("is inactive at rest and inside the dead zone", () => {
    expect(valueFromStick(0, 0, VA)).toEqual({ value: [0, 0], active: false });
    expect(valueFromStick(0.1, -0.1, VA).active).toBe(false);
  });

  it("maps full deflection to the edges, up meaning more arousal", () => {
    expect(valueFromStick(1, 0, VA)).toEqual({ value: [1, 0], active: true });
    expect(valueFromStick(0, -1, VA)).toEqual({ value: [0, 1], active: true });
    expect(valueFromStick(-1, 0, VA).value).toEqual([-1, 0]);
  });

  it("grows smoothly from the edge of the dead zone", () => {
    const just = valueFromStick(0.16, 0, VA);
    expect(just.active).toBe(true);
    expect(just.value[0]).toBeLessThan(0.02);
    expect(valueFromStick(0.575, 0, VA).value[0]).toBeCloseTo(0.5, 3);
  });
});
