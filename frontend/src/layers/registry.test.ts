import { describe, expect, it } from "vitest";
import type { Choices, Layer } from "../model/labels";
import type { LabelAction } from "../model/shortcuts";
import type { InputHost, LayerInput } from "./kind";
import { answerKey, choicesFrom, headlineLayer, kindOf, missing, valueText } from "./registry";

const BASIC: Layer = {
  name: "basic7",
  type: "single",
  labels: [
    { value: "Anger", en: "Anger", zh: "愤怒" },
    { value: "Joy", en: "Joy", zh: "喜悦" },
  ],
  allow_unsure: true,
};
const NO_UNSURE: Layer = { ...BASIC, name: "strict", allow_unsure: false };
const GO: Layer = {
  name: "goemotions",
  type: "multi",
  labels: ["joy", "pride", "relief"].map((v) => ({ value: v, en: v })),
};
const INTENSITY: Layer = { name: "intensity", type: "ordinal", min: 1, max: 5 };
const LAYERS = [BASIC, GO, INTENSITY];

/** A form's side of the conversation: the choices it holds, and focus requests. */
function host(start: Choices = {}): InputHost & { value: Choices; changes: number } {
  const h = {
    lang: "en" as const,
    value: start,
    changes: 0,
    choices: () => h.value,
    change: (next: Choices) => {
      h.value = next;
      h.changes += 1;
    },
    names: (label: { value: string }) => [label.value],
  };
  return h;
}

function focusable(): LayerInput & { focused: number } {
  const input = { nodes: [], sync: () => undefined, focused: 0, focus: () => (input.focused += 1) };
  return input;
}

/** A key offered to the layers in order, as `<label-form>` does: the first taker wins. */
function press(layers: readonly Layer[], action: LabelAction, h: InputHost, input: LayerInput) {
  return layers.find((layer) => kindOf(layer).shortcut(layer, action, h, input));
}

describe("keys", () => {
  it("sends the primary keys to the single-label layer", () => {
    const h = host();
    expect(press(LAYERS, { name: "primary", index: 1 }, h, focusable())).toBe(BASIC);
    expect(h.value).toEqual({ basic7: "Joy" });
    press(LAYERS, { name: "primary-unsure" }, h, focusable());
    expect(h.value).toEqual({ basic7: "Unsure" });
  });

  it("takes a key it cannot apply without changing anything", () => {
    const h = host({ strict: "Joy" });
    expect(press([NO_UNSURE], { name: "primary-unsure" }, h, focusable())).toBe(NO_UNSURE);
    expect(press([NO_UNSURE], { name: "primary", index: 7 }, h, focusable())).toBe(NO_UNSURE);
    expect(h.changes).toBe(0);
  });

  it("sets the ordinal layer with the intensity keys, within its range", () => {
    const h = host({ basic7: "Joy" });
    expect(press(LAYERS, { name: "intensity", value: 4 }, h, focusable())).toBe(INTENSITY);
    expect(h.value).toEqual({ basic7: "Joy", intensity: 4 });
    press(LAYERS, { name: "intensity", value: 9 }, h, focusable());
    expect(h.value).toEqual({ basic7: "Joy", intensity: 4 });
  });

  it("focuses the multi-label layer's filter on /", () => {
    const input = focusable();
    expect(press(LAYERS, { name: "filter-secondary" }, host(), input)).toBe(GO);
    expect(input.focused).toBe(1);
  });

  it("leaves a key no layer takes", () => {
    const h = host();
    expect(press([GO], { name: "intensity", value: 2 }, h, focusable())).toBeUndefined();
    expect(press([INTENSITY, GO], { name: "primary", index: 0 }, h, focusable())).toBeUndefined();
    expect(h.changes).toBe(0);
  });
});

describe("values", () => {
  it("counts a multi-label choice as given only when it has a label", () => {
    expect(missing(LAYERS, { basic7: "Joy", goemotions: [], intensity: 1 })).toEqual([GO]);
    expect(missing(LAYERS, { basic7: "Joy", goemotions: ["joy"], intensity: 1 })).toEqual([]);
    expect(missing(LAYERS, {})).toEqual(LAYERS);
  });

  it("reads back only what each layer can hold", () => {
    const payload = {
      basic7: 3,
      goemotions: ["relief", 7, "nope", "joy"],
      intensity: "4",
      note: "x",
    };
    expect(choicesFrom(LAYERS, payload)).toEqual({ goemotions: ["relief", "joy"] });
    expect(choicesFrom(LAYERS, { basic7: "Unsure", goemotions: "joy", intensity: 6 })).toEqual({
      basic7: "Unsure",
    });
    expect(choicesFrom([NO_UNSURE], { strict: "Unsure" })).toEqual({});
  });

  it("puts values in words and compares sets regardless of order", () => {
    expect(valueText(BASIC, "Joy", "zh")).toBe("喜悦 · Joy");
    expect(valueText(BASIC, "Other", "en")).toBe("Other");
    expect(valueText(GO, ["pride", "joy"], "en")).toBe("pride, joy");
    expect(valueText(GO, "joy", "en")).toBe("joy");
    expect(valueText(GO, [], "en")).toBe("—");
    expect(valueText(INTENSITY, 3, "en")).toBe("3");
    expect(valueText(INTENSITY, "3", "en")).toBe("3");
    expect(valueText(INTENSITY, undefined, "en")).toBe("—");
    expect(answerKey(GO, ["pride", "joy"])).toBe(answerKey(GO, ["joy", "pride"]));
    expect(answerKey(BASIC, "Joy")).not.toBe(answerKey(BASIC, "Anger"));
    expect(answerKey(INTENSITY, null)).toBeNull();
  });

  it("summarises a segment by its first single-label layer", () => {
    expect(headlineLayer([GO, INTENSITY, BASIC, NO_UNSURE])).toBe(BASIC);
    expect(headlineLayer([GO, INTENSITY])).toBeUndefined();
  });
});
