import { describe, expect, it } from "vitest";
import { ChunkBuilder, chunkBody, TraceGrid, type TraceChunk } from "./trace-chunks";

const v = (k: number): number[] => [k / 100, -k / 100];

function feed(b: ChunkBuilder, ks: number[]): TraceChunk[] {
  return ks.flatMap((k) => b.add(k, v(k)));
}

describe("ChunkBuilder", () => {
  it("closes a chunk every samplesPerChunk consecutive samples", () => {
    const b = new ChunkBuilder({ samplesPerChunk: 3, nextSeq: 0 });
    const chunks = feed(b, [0, 1, 2, 3, 4, 5, 6]);
    expect(chunks.map((c) => [c.seq, c.k0, c.samples.length])).toEqual([
      [0, 0, 3],
      [1, 3, 3],
    ]);
    expect(b.openSamples).toBe(1);
    expect(b.flush()).toEqual({ seq: 2, k0: 6, samples: [v(6)] });
    expect(b.flush()).toBeNull();
    expect(b.nextSeq).toBe(3);
  });

  it("starts a new chunk where the samples stop following on (a seek)", () => {
    const b = new ChunkBuilder({ samplesPerChunk: 25, nextSeq: 7 });
    const chunks = feed(b, [10, 11, 12, 40, 41, 5, 6]);
    expect(chunks.map((c) => [c.seq, c.k0, c.samples.length])).toEqual([
      [7, 10, 3],
      [8, 40, 2],
    ]);
    expect(b.flush()?.k0).toBe(5);
  });

  it("a re-recorded stretch gets later sequence numbers", () => {
    const b = new ChunkBuilder({ samplesPerChunk: 2, nextSeq: 0 });
    const first = feed(b, [0, 1, 2, 3]);
    const again = feed(b, [0, 1]);
    expect(first.map((c) => c.seq)).toEqual([0, 1]);
    expect(again.map((c) => c.seq)).toEqual([2]);
  });

  it("a full chunk closes with its last sample, and a jump after it closes nothing twice", () => {
    const b = new ChunkBuilder({ samplesPerChunk: 2, nextSeq: 0 });
    expect(feed(b, [0, 1]).length).toBe(1);
    expect(feed(b, [9]).length).toBe(0);
    expect(b.openSamples).toBe(1);
  });

  it("rejects invalid options", () => {
    expect(() => new ChunkBuilder({ samplesPerChunk: 0, nextSeq: 0 })).toThrow(/samplesPerChunk/);
    expect(() => new ChunkBuilder({ samplesPerChunk: 2, nextSeq: -1 })).toThrow(/nextSeq/);
  });
});

describe("chunkBody", () => {
  it("gives t0 that the server maps back to k0 exactly", () => {
    for (const k0 of [0, 1, 7, 250, 14_999]) {
      const body = chunkBody({ seq: 3, k0, samples: [[0, 0]] }, 25);
      expect(Math.round(body.t0 * 25)).toBe(k0);
    }
    expect(chunkBody({ seq: 3, k0: 50, samples: [[0.5, -0.5]] }, 25)).toEqual({
      seq: 3,
      t0: 2,
      samples: [[0.5, -0.5]],
    });
  });
});

describe("TraceGrid", () => {
  it("sizes the grid to the clip, end included", () => {
    expect(new TraceGrid({ rateHz: 25, durationSeconds: 30, dimensions: 2 }).length).toBe(751);
    expect(new TraceGrid({ rateHz: 25, durationSeconds: 0, dimensions: 2 }).length).toBe(1);
  });

  it("lets the later sequence number win in any order of arrival", () => {
    const grid = new TraceGrid({ rateHz: 10, durationSeconds: 1, dimensions: 2 });
    const old: TraceChunk = {
      seq: 0,
      k0: 0,
      samples: [
        [0.1, 0.1],
        [0.2, 0.2],
        [0.3, 0.3],
      ],
    };
    const redo: TraceChunk = { seq: 1, k0: 1, samples: [[-0.5, -0.5]] };
    grid.putChunk(redo);
    grid.putChunk(old);
    expect(Array.from(grid.values[0]!.slice(0, 4))).toEqual([
      expect.closeTo(0.1, 6),
      -0.5,
      expect.closeTo(0.3, 6),
      NaN,
    ]);
    expect(grid.recorded).toBe(3);
  });

  it("ignores samples outside the clip", () => {
    const grid = new TraceGrid({ rateHz: 10, durationSeconds: 1, dimensions: 1 });
    grid.putChunk({ seq: 0, k0: 9, samples: [[1], [1], [1]] });
    expect(grid.recorded).toBe(2);
  });
});
