import { describe, expect, it } from "vitest";
import { TraceGrid } from "../model/trace-chunks";
import type { StoredChunk } from "./chunk-store";
import { mergeTrace, nextSeq, resumeAt, type ServerSamples } from "./merge";

const RATE = 10;
const grid = (): TraceGrid => new TraceGrid({ rateHz: RATE, durationSeconds: 2, dimensions: 2 });
const chunk = (seq: number, k0: number, n: number, v: number, acked = false): StoredChunk => ({
  seq,
  k0,
  samples: Array.from({ length: n }, () => [v, -v]),
  acked,
});
/** The server's grid: `v` over [from, to), null elsewhere. */
const held = (from: number, to: number, v: number, length = 21): ServerSamples => ({
  samples: Array.from({ length }, (_, k) => (k >= from && k < to ? [v, -v] : null)),
});
const column = (g: TraceGrid): (number | null)[] =>
  [...g.values[0]!].map((v) => (Number.isNaN(v) ? null : Math.round(v * 10) / 10));

describe("mergeTrace", () => {
  it("shows what the server holds in a browser without a local copy", () => {
    const g = grid();
    mergeTrace(g, { acked_seq: 3, max_seq: 3 }, held(0, 8, 0.5), []);
    expect(g.recorded).toBe(8);
    expect(column(g).slice(0, 9)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, null]);
    expect(g.values[1]![0]).toBeCloseTo(-0.5);
  });

  it("lays local chunks the server has not acknowledged over its samples", () => {
    const g = grid();
    const local = [
      chunk(0, 0, 4, 0.1, true), // acknowledged: the server's value stands
      chunk(1, 4, 4, 0.2), // acked_seq covers it although the flag was not written yet
      chunk(2, 6, 4, 0.3), // not on the server yet: wins over it for k 6..9
    ];
    mergeTrace(g, { acked_seq: 1, max_seq: 1 }, held(0, 8, 0.5), local);
    expect(column(g).slice(0, 11)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3, null]);
    expect(g.recorded).toBe(10);
  });

  it("keeps the server's samples where another browser recorded after the local copy", () => {
    const g = grid();
    // This browser recorded 0..3 (acked); another one recorded the stretch again (seq 1).
    mergeTrace(g, { acked_seq: 1, max_seq: 1 }, held(0, 4, 0.9), [chunk(0, 0, 4, 0.1, true)]);
    expect(column(g).slice(0, 5)).toEqual([0.9, 0.9, 0.9, 0.9, null]);
  });

  it("draws the local copy alone when the server's samples cannot be read", () => {
    const g = grid();
    mergeTrace(g, { acked_seq: 0 }, null, [chunk(0, 0, 2, 0.1, true), chunk(1, 1, 2, 0.2)]);
    expect(column(g).slice(0, 4)).toEqual([0.1, 0.2, 0.2, null]);
    expect(g.recorded).toBe(3);
  });

  it("ignores server rows past the clip's grid", () => {
    const g = grid();
    mergeTrace(g, { acked_seq: 0, max_seq: 0 }, held(19, 25, 0.4, 25), []);
    expect(g.recorded).toBe(2); // k 19 and 20 only
  });

  it("lets live recording (a higher seq) overwrite merged samples", () => {
    const g = grid();
    mergeTrace(g, { acked_seq: 0, max_seq: 0 }, held(0, 3, 0.5), []);
    g.put(1, nextSeq({ acked_seq: 0, max_seq: 0 }, []), [0.7, -0.7]);
    expect(column(g).slice(0, 3)).toEqual([0.5, 0.7, 0.5]);
    expect(g.recorded).toBe(3);
  });
});

describe("nextSeq", () => {
  it("follows every seq stored on the server or kept here", () => {
    expect(nextSeq({ acked_seq: -1, max_seq: -1 }, [])).toBe(0);
    expect(nextSeq({ acked_seq: 2, max_seq: 5 }, [])).toBe(6); // 3, 4 missing: never reused
    expect(nextSeq({ acked_seq: 2, max_seq: 2 }, [chunk(7, 0, 1, 0)])).toBe(8);
    expect(nextSeq({ acked_seq: 4 }, [chunk(1, 0, 1, 0)])).toBe(5); // an older server
  });
});

describe("resumeAt", () => {
  it("is where the latest chunk ends, the server's or this browser's", () => {
    expect(resumeAt({ acked_seq: -1, max_seq: -1, resume_at_s: 0 }, [], RATE)).toBe(0);
    // A new browser: the server's end.
    expect(resumeAt({ acked_seq: 9, max_seq: 9, resume_at_s: 3.8 }, [], RATE)).toBe(3.8);
    // This browser recorded after what the server holds.
    const local = [chunk(9, 30, 8, 0, true), chunk(10, 38, 5, 0)];
    expect(resumeAt({ acked_seq: 9, max_seq: 9, resume_at_s: 3.8 }, local, RATE)).toBeCloseTo(4.3);
    // Another browser recorded later than the local copy.
    expect(
      resumeAt({ acked_seq: 12, max_seq: 12, resume_at_s: 6 }, [chunk(3, 0, 5, 0)], RATE),
    ).toBe(6);
    // An older server without resume_at_s: the local copy.
    expect(resumeAt({ acked_seq: 0 }, [chunk(0, 0, 5, 0, true)], RATE)).toBe(0.5);
  });
});
