import { describe, expect, it } from "vitest";
import { fixed, languageName, percent, provenanceText, seconds, tierText } from "./format";

describe("format", () => {
  it("writes figures, a dash when unknown", () => {
    expect(fixed(0.6183)).toBe("0.62");
    expect(fixed(3, 0)).toBe("3");
    expect(fixed(null)).toBe("—");
    expect(fixed(Number.NaN)).toBe("—");
    expect(percent(0.625)).toBe("63%");
    expect(percent(undefined)).toBe("—");
    expect(seconds(1.25)).toBe("1.3 s");
    expect(seconds(null)).toBe("—");
  });

  it("names a clip's language in the reader's", () => {
    expect(languageName("zh", "en")).toBe("Chinese");
    expect(languageName("en", "zh")).toBe("英语");
    expect(languageName("not a code", "en")).toBe("not a code");
  });

  it("names tiers and provenances", () => {
    expect(tierText("low")).toBe("low");
    expect(tierText("")).toBe("none");
    expect(provenanceText("adjudicated")).toBe("adjudicated");
    expect(provenanceText("model_confident")).toBe("model-confident");
    expect(provenanceText("something_new")).toBe("something_new");
  });
});
