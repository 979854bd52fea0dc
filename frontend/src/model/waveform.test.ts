import { describe, expect, it } from "vitest";
import { columns, parseWaveform, type Waveform } from "./waveform";

function json(data: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const channels = (extra.channels as number | undefined) ?? 1;
  return {
    version: 2,
    channels,
    sample_rate: 8000,
    samples_per_pixel: 160,
    bits: 8,
    length: data.length / (2 * channels),
    data,
    ...extra,
  };
}

// Four peaks at 50 peaks/s (8000 / 160): 80 ms of audio.
const FOUR = parseWaveform(json([-10, 20, -127, 127, 0, 0, -64, 32]));

describe("parseWaveform", () => {
  it("parses and normalises an 8-bit mono waveform", () => {
    expect(FOUR.peaksPerSecond).toBe(50);
    expect(FOUR.length).toBe(4);
    expect(FOUR.durationSeconds).toBeCloseTo(0.08, 12);
    expect(Array.from(FOUR.min)).toEqual([-10 / 127, -1, 0, -64 / 127]);
    expect(Array.from(FOUR.max)).toEqual([20 / 127, 1, 0, 32 / 127]);
  });

  it("clamps int8 -128 to -1", () => {
    expect(Array.from(parseWaveform(json([-128, 0])).min)).toEqual([-1]);
  });

  it("accepts 16-bit data", () => {
    const w = parseWaveform(json([-32767, 16384], { bits: 16 }));
    expect(Array.from(w.min)).toEqual([-1]);
    expect(Array.from(w.max)).toEqual([16384 / 32767]);
  });

  it("merges channels into one envelope", () => {
    // peak 0: ch0 [-10, 10], ch1 [-50, 5]; peak 1: ch0 [0, 100], ch1 [-1, 1]
    const w = parseWaveform(json([-10, 10, -50, 5, 0, 100, -1, 1], { channels: 2 }));
    expect(w.length).toBe(2);
    expect(Array.from(w.min)).toEqual([-50 / 127, -1 / 127]);
    expect(Array.from(w.max)).toEqual([10 / 127, 100 / 127]);
  });

  it("parses an empty waveform (clip without audio)", () => {
    const w = parseWaveform(json([]));
    expect(w.length).toBe(0);
    expect(w.durationSeconds).toBe(0);
  });

  it.each([
    [null, /expected an object/],
    [[1, 2], /expected an object/],
    ["{}", /expected an object/],
    [json([0, 0], { version: 1 }), /unsupported "version" 1/],
    [json([0, 0], { channels: 0 }), /"channels" must be a positive integer \(got 0\)/],
    [json([0, 0], { sample_rate: "8000" }), /"sample_rate" must be a positive integer \(got "8000"\)/],
    [json([0, 0], { samples_per_pixel: 1.5 }), /"samples_per_pixel"/],
    [json([0, 0], { bits: 32 }), /"bits" must be 8 or 16 \(got 32\)/],
    [json([0, 0], { length: -1 }), /"length" must be an integer >= 0/],
    [json([0, 0], { data: "0,0" }), /"data" must be an array/],
    [json([0, 0], { length: 2 }), /"data" has 2 values, expected length \* channels \* 2 = 4/],
    [json([0, 128]), /"data"\[1\] must be an integer in \[-128, 127\] \(got 128\)/],
    [json([0, 0.5]), /"data"\[1\]/],
    [json([0, null]), /"data"\[1\].*got null/],
  ])("rejects %j", (input, message) => {
    expect(() => parseWaveform(input)).toThrow(message);
  });

  it("names the problem in the error", () => {
    expect(() => parseWaveform({})).toThrow(new Error('Invalid waveform JSON: unsupported "version" undefined (expected 2)'));
  });
});

describe("columns", () => {
  const spp = 1 / 50; // seconds per peak

  it("gives one peak per column at native resolution", () => {
    expect(columns(FOUR, 0, spp, 4)).toEqual([
      [-10 / 127, 20 / 127],
      [-1, 1],
      [0, 0],
      [-64 / 127, 32 / 127],
    ]);
  });

  it("aggregates several peaks per column when zoomed out", () => {
    expect(columns(FOUR, 0, 2 * spp, 2)).toEqual([
      [-1, 1],
      [-64 / 127, 32 / 127],
    ]);
    expect(columns(FOUR, 0, 4 * spp, 1)).toEqual([[-1, 1]]);
    // Columns of 1.5 peaks: [0, 1.5) -> peak 0, [1.5, 3) -> peaks 1..2, [3, 4.5) -> peak 3.
    expect(columns(FOUR, 0, 1.5 * spp, 3)).toEqual([
      [-10 / 127, 20 / 127],
      [-1, 1],
      [-64 / 127, 32 / 127],
    ]);
  });

  it("starts at startSeconds", () => {
    expect(columns(FOUR, 2 * spp, spp, 2)).toEqual([
      [0, 0],
      [-64 / 127, 32 / 127],
    ]);
    // 0.58 s * 50 peaks/s is 28.999999999999996 in floating point: still peak 29.
    const thirty = parseWaveform(json([...Array<number>(58).fill(0), -127, 127]));
    expect(columns(thirty, 0.58, spp, 1)).toEqual([[-1, 1]]);
  });

  it("interpolates between peak centres when zoomed in", () => {
    const w = parseWaveform(json([-100, 100, 0, 0]));
    // 4 columns per peak; column centres at peak positions 0.125, 0.375, ..., 1.875.
    // Peak centres are at 0.5 (value 1) and 1.5 (value 0); outside them the edge value holds.
    const cols = columns(w, 0, spp / 4, 8);
    const expected = [1, 1, 0.875, 0.625, 0.375, 0.125, 0, 0].map((k) => k * (100 / 127));
    expect(cols.map(([, max]) => max)).toEqual(expected.map((v) => expect.closeTo(v, 12)));
    expect(cols.map(([min]) => min)).toEqual(expected.map((v) => expect.closeTo(-v, 12)));
  });

  it("gives zeros outside the waveform", () => {
    expect(columns(FOUR, -2 * spp, spp, 3)).toEqual([
      [0, 0],
      [0, 0],
      [-10 / 127, 20 / 127],
    ]);
    expect(columns(FOUR, 3 * spp, spp, 3)).toEqual([
      [-64 / 127, 32 / 127],
      [0, 0],
      [0, 0],
    ]);
    expect(columns(FOUR, 1, spp / 3, 2)).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it("gives zeros for an empty waveform at any zoom", () => {
    const empty: Waveform = parseWaveform(json([]));
    expect(columns(empty, 0, 1, 3)).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(columns(empty, 0, 0.0001, 2)).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it("returns no columns for n = 0", () => {
    expect(columns(FOUR, 0, spp, 0)).toEqual([]);
  });

  it("rejects invalid arguments", () => {
    expect(() => columns(FOUR, 0, 0, 1)).toThrow(/secondsPerColumn/);
    expect(() => columns(FOUR, 0, -1, 1)).toThrow(/secondsPerColumn/);
    expect(() => columns(FOUR, NaN, 1, 1)).toThrow(/startSeconds/);
    expect(() => columns(FOUR, 0, 1, 1.5)).toThrow(/column count/);
    expect(() => columns(FOUR, 0, 1, -1)).toThrow(/column count/);
  });
});
