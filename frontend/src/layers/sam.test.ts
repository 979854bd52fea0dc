import { describe, expect, it } from "vitest";
import type { Layer } from "../model/labels";
import { answerKey, choicesFrom, kindOf, missing, valueText } from "./registry";
import { DIMENSIONS, digitOf, manikin, type Shape, samValue, setDimension } from "./sam";

const SAM: Layer = { name: "sam", type: "sam", required: true };

function all(shapes: readonly Shape[]): Shape[] {
  return shapes.flatMap((s) => [s, ...all(s.children ?? [])]);
}

/** The y of the mouth curve's control point: above its ends (17) a frown, below a smile. */
function mouthBend(n: number): number {
  const mouth = all(manikin("valence", n)).find((s) => s.attrs.d?.startsWith("M16 17"));
  return Number(/Q20 ([\d.]+)/.exec(mouth!.attrs.d!)![1]) - 17;
}

function scaleOf(n: number): number {
  return Number(/scale\(([\d.]+)\)/.exec(manikin("dominance", n)[0]!.attrs.transform!)![1]);
}

function burstRadius(n: number): number {
  const star = all(manikin("arousal", n)).find((s) => s.tag === "polygon");
  const ys = star!.attrs.points!.split(" ").map((p) => Number(p.split(",")[1]));
  return (Math.max(...ys) - Math.min(...ys)) / 2;
}

describe("sam", () => {
  it("is complete when every dimension is given", () => {
    let choices = setDimension({}, SAM, "valence", 7);
    expect(missing([SAM], choices)).toEqual([SAM]);
    choices = setDimension(choices, SAM, "arousal", 3);
    choices = setDimension(choices, SAM, "dominance", 5);
    expect(choices).toEqual({ sam: { valence: 7, arousal: 3, dominance: 5 } });
    expect(missing([SAM], choices)).toEqual([]);
  });

  it("keeps a value off the scale out", () => {
    const choices = setDimension({}, SAM, "valence", 7);
    expect(setDimension(choices, SAM, "arousal", 10)).toBe(choices);
    expect(setDimension(choices, SAM, "arousal", 0)).toBe(choices);
    expect(setDimension(choices, SAM, "arousal", 2.5)).toBe(choices);
  });

  it("reads a payload back, leaving out what is malformed", () => {
    const payload = { sam: { valence: 9, arousal: 1, dominance: 4 } };
    expect(choicesFrom([SAM], payload)).toEqual(payload);
    expect(choicesFrom([SAM], { sam: { valence: 12, arousal: "3" } })).toEqual({});
    expect(choicesFrom([SAM], { sam: 5 })).toEqual({});
    expect(samValue({ valence: 2, joy: 3 })).toEqual({ valence: 2 });
  });

  it("reads in words as V A D, a missing one as a dash", () => {
    expect(valueText(SAM, { valence: 7, arousal: 3, dominance: 5 }, "en")).toBe("V7 A3 D5");
    expect(valueText(SAM, { valence: 7, dominance: 5 }, "zh")).toBe("V7 A— D5");
    expect(valueText(SAM, null, "en")).toBe("—");
  });

  it("compares answers by their three numbers, whatever the key order", () => {
    const a = answerKey(SAM, { valence: 1, arousal: 2, dominance: 3 });
    expect(a).toBe(answerKey(SAM, { dominance: 3, arousal: 2, valence: 1 }));
    expect(a).not.toBe(answerKey(SAM, { valence: 1, arousal: 2, dominance: 4 }));
    expect(answerKey(SAM, undefined)).toBeNull();
  });

  it("takes digits 1-9 only", () => {
    expect(["1", "5", "9"].map(digitOf)).toEqual([1, 5, 9]);
    expect(["0", "10", "a", "ArrowLeft"].map(digitOf)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("leaves the form's label keys to other layers", () => {
    expect(kindOf(SAM).shortcut(SAM, { name: "intensity", value: 3 }, null!, null!)).toBe(false);
  });

  it("draws valence from a frown to a smile", () => {
    const bends = Array.from({ length: 9 }, (_, i) => mouthBend(i + 1));
    expect(bends[0]).toBeLessThan(0);
    expect(bends[8]).toBeGreaterThan(0);
    expect(bends).toEqual([...bends].sort((a, b) => a - b));
  });

  it("grows arousal's burst and the dominant figure with the scale", () => {
    const radii = [1, 5, 9].map(burstRadius);
    expect(radii[0]).toBeLessThan(radii[1]!);
    expect(radii[1]).toBeLessThan(radii[2]!);
    expect(scaleOf(1)).toBeLessThan(scaleOf(5));
    expect(scaleOf(9)).toBe(1);
    for (const dim of DIMENSIONS) {
      expect(all(manikin(dim, 5)).filter((s) => s.tag === "polygon")).toHaveLength(
        dim === "arousal" ? 1 : 0,
      );
    }
  });
});
