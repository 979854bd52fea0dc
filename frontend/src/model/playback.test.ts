import { describe, expect, it } from "vitest";
import { formatTime, frameTarget, seekTarget, stepRate } from "./playback";

describe("stepRate", () => {
  it("steps through the list and stops at its ends", () => {
    expect(stepRate(1, 1)).toBe(1.25);
    expect(stepRate(1, -1)).toBe(0.75);
    expect(stepRate(4, 1)).toBe(4);
    expect(stepRate(0.25, -1)).toBe(0.25);
  });

  it("from a rate off the list goes to the neighbour in that direction", () => {
    expect(stepRate(1.1, 1)).toBe(1.25);
    expect(stepRate(1.1, -1)).toBe(1);
    expect(stepRate(8, -1)).toBe(3);
  });
});

describe("seekTarget", () => {
  it("clamps to the clip", () => {
    expect(seekTarget(3, -5, 30)).toBe(0);
    expect(seekTarget(28, 5, 30)).toBe(30);
    expect(seekTarget(10, 1, 30)).toBe(11);
  });
});

describe("frameTarget", () => {
  it("lands just inside the neighbouring frame", () => {
    expect(Math.floor(frameTarget(1.0, 25, 1, 30) * 25)).toBe(26);
    expect(Math.floor(frameTarget(1.0, 25, -1, 30) * 25)).toBe(24);
    // Mid-frame: the next frame, not the one after.
    expect(Math.floor(frameTarget(1.02, 25, 1, 30) * 25)).toBe(26);
    expect(Math.floor(frameTarget(0.1, 10, 1, 30) * 10)).toBe(2);
  });

  it("stays within the first and last frames", () => {
    expect(Math.floor(frameTarget(0, 25, -1, 30) * 25)).toBe(0);
    expect(Math.floor(frameTarget(29.99, 25, 1, 30) * 25)).toBe(749);
  });
});

describe("formatTime", () => {
  it("shows minutes, seconds and tenths", () => {
    expect(formatTime(0)).toBe("0:00.0");
    expect(formatTime(65.25)).toBe("1:05.2");
    expect(formatTime(599.96)).toBe("9:59.9");
    expect(formatTime(600)).toBe("10:00.0");
    expect(formatTime(-1)).toBe("0:00.0");
  });
});
