import { describe, expect, it } from "vitest";
import type { Layer } from "../model/labels";
import { cellOf, cellOrigin, GRID, gridKey, setCell } from "./affect-grid";
import { answerKey, choicesFrom, kindOf, missing, valueText } from "./registry";

const LAYER: Layer = { name: "grid", type: "affect_grid", required: true };
const CENTRE = { valence: 5, arousal: 5 };

describe("affect grid", () => {
  it("is complete when a cell gives both dimensions", () => {
    const half = GRID.set({}, LAYER, "valence", 7);
    expect(missing([LAYER], half)).toEqual([LAYER]);
    const choices = setCell({}, LAYER, { valence: 7, arousal: 3 });
    expect(choices).toEqual({ grid: { valence: 7, arousal: 3 } });
    expect(missing([LAYER], choices)).toEqual([]);
  });

  it("reads a payload back, leaving out what is malformed", () => {
    const payload = { grid: { valence: 9, arousal: 1 } };
    expect(choicesFrom([LAYER], payload)).toEqual(payload);
    expect(choicesFrom([LAYER], { grid: { valence: 10, arousal: "3" } })).toEqual({});
    expect(choicesFrom([LAYER], { grid: [7, 3] })).toEqual({});
    expect(cellOf({ valence: 2, dominance: 3 })).toBeUndefined();
    expect(cellOf({ valence: 2, arousal: 8 })).toEqual({ valence: 2, arousal: 8 });
  });

  it("reads in words as V A, a missing one as a dash", () => {
    expect(valueText(LAYER, { valence: 7, arousal: 3 }, "en")).toBe("V7 A3");
    expect(valueText(LAYER, { arousal: 3 }, "zh")).toBe("V— A3");
    expect(valueText(LAYER, undefined, "en")).toBe("—");
  });

  it("compares answers by the cell, whatever the key order", () => {
    const a = answerKey(LAYER, { valence: 1, arousal: 2 });
    expect(a).toBe(answerKey(LAYER, { arousal: 2, valence: 1 }));
    expect(a).not.toBe(answerKey(LAYER, { valence: 2, arousal: 1 }));
    expect(answerKey(LAYER, null)).toBeNull();
  });

  it("moves the chosen cell with the arrows: right is pleasant, up aroused, within the grid", () => {
    expect(gridKey(CENTRE, undefined, "ArrowRight")).toEqual({
      cell: { valence: 6, arousal: 5 },
      typed: undefined,
      choose: true,
    });
    expect(gridKey(CENTRE, undefined, "ArrowUp")?.cell).toEqual({ valence: 5, arousal: 6 });
    expect(gridKey(CENTRE, undefined, "ArrowDown")?.cell).toEqual({ valence: 5, arousal: 4 });
    const corner = { valence: 1, arousal: 9 };
    expect(gridKey(corner, undefined, "ArrowLeft")?.cell).toEqual(corner);
    expect(gridKey(corner, undefined, "ArrowUp")?.cell).toEqual(corner);
  });

  it("chooses the focused cell with Enter or Space", () => {
    for (const key of ["Enter", " "]) {
      expect(gridKey(CENTRE, undefined, key)).toEqual({ cell: CENTRE, typed: undefined, choose: true });
    }
  });

  it("takes two digits as valence then arousal; Escape forgets the first", () => {
    const first = gridKey(CENTRE, undefined, "7")!;
    expect(first).toEqual({ cell: { valence: 7, arousal: 5 }, typed: 7, choose: false });
    expect(gridKey(first.cell, first.typed, "3")).toEqual({
      cell: { valence: 7, arousal: 3 },
      typed: undefined,
      choose: true,
    });
    expect(gridKey(first.cell, first.typed, "Escape")).toEqual({
      cell: first.cell,
      typed: undefined,
      choose: false,
    });
    expect(gridKey(CENTRE, undefined, "Escape")).toBeUndefined(); // the workspace's key then
    for (const key of ["0", "a", "Tab"]) expect(gridKey(CENTRE, undefined, key)).toBeUndefined();
  });

  it("draws valence left to right and arousal bottom to top", () => {
    const low = cellOrigin({ valence: 1, arousal: 1 });
    const high = cellOrigin({ valence: 9, arousal: 9 });
    expect(high.x).toBeGreaterThan(low.x);
    expect(high.y).toBeLessThan(low.y);
    expect(cellOrigin({ valence: 1, arousal: 9 })).toEqual({ x: low.x, y: high.y });
  });

  it("leaves the form's label keys to other layers", () => {
    expect(kindOf(LAYER).shortcut(LAYER, { name: "intensity", value: 3 }, null!, null!)).toBe(false);
  });
});
