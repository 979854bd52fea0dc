import { describe, expect, it } from "vitest";
import { formatters, labelledValue } from "./format";

describe("formatters", () => {
  it("formats counts, decimals and shares in English", () => {
    const f = formatters("en");
    expect(f.locale).toBe("en");
    expect(f.count(100000)).toBe("100,000");
    expect(f.decimal(0.5)).toBe("0.50");
    expect(f.decimal(0.123, 3)).toBe("0.123");
    expect(f.decimal(null)).toBe("—");
    expect(f.percent(0.425)).toBe("43%");
    expect(f.percent(null)).toBe("—");
    expect(f.day(new Date(2026, 10, 20))).toBe("Nov 20");
    expect(f.megabytes(12_480_000)).toBe("12.5 MB");
  });

  it("uses zh-CN for Chinese", () => {
    const f = formatters("zh");
    expect(f.locale).toBe("zh-CN");
    expect(f.count(100000)).toBe("100,000");
    expect(f.day(new Date(2026, 10, 20))).toBe("11月20日");
  });
});

describe("labelledValue", () => {
  it("names a figure", () => {
    expect(labelledValue("Fleiss κ", "0.53")).toBe("Fleiss κ 0.53");
  });
});
