import { describe, expect, it } from "vitest";
import {
  choicesFrom,
  choose,
  filterOptions,
  labelText,
  type LabelSchema,
  type Layer,
  langOf,
  layerTitle,
  missing,
  options,
  segmentLayers,
  setOrdinal,
  toggle,
  UNSURE,
} from "./labels";

const BASIC: Layer = {
  name: "basic7",
  type: "single",
  title: { en: "Basic emotion", zh: "基本情绪" },
  labels: [
    { value: "Anger", en: "Anger", zh: "愤怒" },
    { value: "Joy", en: "Joy", zh: "喜悦" },
  ],
  allow_unsure: true,
  required: true,
};
const GO: Layer = {
  name: "goemotions",
  type: "multi",
  labels: ["admiration", "joy", "nervousness", "pride", "disappointment"].map((v) => ({
    value: v,
    en: v,
  })),
  allow_unsure: true,
  required: true,
};
const INTENSITY: Layer = { name: "intensity", type: "ordinal", min: 1, max: 5, required: true };
const SCHEMA: LabelSchema = {
  layers: [BASIC, GO, INTENSITY],
  segments: { primary: "basic7", secondary: "goemotions", intensity: "intensity" },
};

describe("texts", () => {
  it("shows labels and titles in the interface language", () => {
    expect(langOf("zh-hans")).toBe("zh");
    expect(langOf("en-us")).toBe("en");
    expect(langOf(undefined)).toBe("en");
    expect(labelText(BASIC.labels![1]!, "zh")).toBe("喜悦");
    expect(labelText({ value: "x" }, "zh")).toBe("x");
    expect(layerTitle(BASIC, "zh")).toBe("基本情绪");
    expect(layerTitle(INTENSITY, "en")).toBe("intensity");
    expect(options(BASIC).map((l) => l.value)).toEqual(["Anger", "Joy", UNSURE]);
  });
});

describe("choices", () => {
  it("single and ordinal layers hold one value", () => {
    let c = choose({}, BASIC, "Joy");
    c = choose(c, BASIC, UNSURE);
    c = setOrdinal(c, INTENSITY, 4);
    expect(c).toEqual({ basic7: UNSURE, intensity: 4 });
    expect(setOrdinal(c, INTENSITY, 6)).toBe(c);
    expect(setOrdinal(c, INTENSITY, 2.5)).toBe(c);
  });

  it("multi layers toggle, keep schema order, and Unsure excludes the rest", () => {
    let c = toggle({}, GO, "pride");
    c = toggle(c, GO, "joy");
    expect(c.goemotions).toEqual(["joy", "pride"]);
    c = toggle(c, GO, UNSURE);
    expect(c.goemotions).toEqual([UNSURE]);
    c = toggle(c, GO, "admiration");
    expect(c.goemotions).toEqual(["admiration"]);
    c = toggle(c, GO, "admiration");
    expect(c.goemotions).toEqual([]);
  });

  it("reports the required layers still missing", () => {
    expect(missing(SCHEMA.layers, {}).map((l) => l.name)).toEqual([
      "basic7",
      "goemotions",
      "intensity",
    ]);
    expect(
      missing(SCHEMA.layers, { basic7: "Joy", goemotions: [], intensity: 1 }).map((l) => l.name),
    ).toEqual(["goemotions"]);
    expect(missing(SCHEMA.layers, { basic7: "Joy", goemotions: ["joy"], intensity: 1 })).toEqual(
      [],
    );
    expect(missing([{ ...INTENSITY, required: false }], {})).toEqual([]);
  });

  it("restores a draft, leaving out what the schema does not know", () => {
    expect(
      choicesFrom(SCHEMA.layers, {
        basic7: "Joy",
        goemotions: ["joy", "zzz", 3],
        intensity: 9,
        other: "x",
      }),
    ).toEqual({ basic7: "Joy", goemotions: ["joy"] });
    expect(choicesFrom(SCHEMA.layers, { basic7: "Nope", intensity: 2 })).toEqual({ intensity: 2 });
  });
});

describe("filterOptions", () => {
  it("matches in any language, word starts first", () => {
    expect(filterOptions(GO, "").length).toBe(6);
    expect(filterOptions(GO, "JOY").map((l) => l.value)).toEqual(["joy"]);
    expect(filterOptions(GO, "ness").map((l) => l.value)).toEqual(["nervousness"]);
    expect(filterOptions(GO, "p").map((l) => l.value)).toEqual(["pride", "disappointment"]);
    expect(filterOptions(GO, "uns").map((l) => l.value)).toEqual([UNSURE]);
    expect(filterOptions(BASIC, "喜").map((l) => l.value)).toEqual(["Joy"]);
    expect(filterOptions(GO, "qqq")).toEqual([]);
  });
});

describe("segmentLayers", () => {
  it("follows the schema's segment roles", () => {
    expect(segmentLayers(SCHEMA).map((l) => l.name)).toEqual(["basic7", "goemotions", "intensity"]);
    expect(
      segmentLayers({ layers: [BASIC], segments: { primary: "basic7", secondary: "nope" } }).length,
    ).toBe(1);
    expect(segmentLayers({ layers: [BASIC] })).toEqual([]);
  });
});
