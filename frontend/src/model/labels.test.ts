import { afterEach, describe, expect, it } from "vitest";
import { choicesFrom, missing } from "../layers/registry";
import {
  bilingualText,
  choose,
  filterOptions,
  labelNames,
  labelText,
  type LabelSchema,
  type Layer,
  langOf,
  layerTitle,
  listText,
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

describe("labels in both languages", () => {
  const JOY = BASIC.labels![1]!;

  it("puts the interface language first and the other beside it", () => {
    expect(bilingualText(JOY, "en")).toBe("Joy · 喜悦");
    expect(bilingualText(JOY, "zh")).toBe("喜悦 · Joy");
    expect(labelNames(JOY, "en")).toEqual({ text: "Joy", other: "喜悦" });
    expect(labelNames(JOY, "zh")).toEqual({ text: "喜悦", other: "Joy" });
  });

  it("names Unsure in both languages", () => {
    const unsure = options(BASIC).at(-1)!;
    expect(bilingualText(unsure, "en")).toBe("Unsure · 不确定");
    expect(bilingualText(unsure, "zh")).toBe("不确定 · Unsure");
  });

  it("shows one name when the schema has only one, or both are the same", () => {
    const admiration = GO.labels![0]!; // English only
    expect(bilingualText(admiration, "en")).toBe("admiration");
    expect(bilingualText(admiration, "zh")).toBe("admiration");
    expect(labelNames(admiration, "zh")).toEqual({ text: "admiration", other: null });
    expect(bilingualText({ value: "OK", en: "OK", zh: "OK" }, "en")).toBe("OK");
    expect(bilingualText({ value: "x", zh: "某" }, "en")).toBe("x");
    expect(bilingualText({ value: "x", zh: "某" }, "zh")).toBe("某");
    expect(bilingualText({ value: "x", en: "", zh: "某" }, "en")).toBe("x");
  });

  it("lists names with the interface's separator", () => {
    expect(listText(["GoEmotions", "Intensity"])).toBe("GoEmotions, Intensity");
    expect(listText(["one"])).toBe("one");
    expect(listText([])).toBe("");
  });

  describe("with a Chinese catalogue", () => {
    afterEach(() => {
      delete (globalThis as { django?: unknown }).django;
    });

    it("lists names with the translated separator", () => {
      (globalThis as { django?: unknown }).django = {
        gettext: (m: string) => m,
        ngettext: (s: string, p: string, n: number) => (n === 1 ? s : p),
        pgettext: (c: string, m: string) => (c === "list separator" && m === ", " ? "、" : m),
      };
      expect(listText(["细粒度情绪", "强度"])).toBe("细粒度情绪、强度");
    });
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

  it("finds a bilingual label by either of the names shown on its chip", () => {
    const BILINGUAL: Layer = {
      name: "goemotions",
      type: "multi",
      labels: [
        { value: "joy", en: "joy", zh: "喜悦" },
        { value: "pride", en: "pride", zh: "自豪" },
        { value: "relief", en: "relief", zh: "宽慰" },
      ],
      allow_unsure: true,
    };
    expect(filterOptions(BILINGUAL, "prid").map((l) => l.value)).toEqual(["pride"]);
    expect(filterOptions(BILINGUAL, "自豪").map((l) => l.value)).toEqual(["pride"]);
    expect(filterOptions(BILINGUAL, "慰").map((l) => l.value)).toEqual(["relief"]);
    expect(filterOptions(BILINGUAL, "不确").map((l) => l.value)).toEqual([UNSURE]);
    expect(filterOptions(BILINGUAL, "Unsure").map((l) => l.value)).toEqual([UNSURE]);
    expect(filterOptions(BASIC, "愤怒").map((l) => bilingualText(l, "zh"))).toEqual([
      "愤怒 · Anger",
    ]);
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
