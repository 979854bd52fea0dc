import { describe, expect, it } from "vitest";
import type { TraceChunk } from "./trace-chunks";
import { backoffMs, MAX_CHUNKS_PER_REQUEST, UploadQueue } from "./upload-queue";

const chunk = (seq: number, n = 25): TraceChunk => ({
  seq,
  k0: seq * n,
  samples: Array.from({ length: n }, () => [0, 0]),
});

const seqs = (chunks: TraceChunk[] | null): number[] | null => chunks?.map((c) => c.seq) ?? null;

describe("UploadQueue", () => {
  it("sends the oldest pending chunks, one request at a time", () => {
    const q = new UploadQueue();
    q.add(chunk(1));
    q.add(chunk(0));
    expect(q.pendingSamples).toBe(50);
    expect(seqs(q.take())).toEqual([0, 1]);
    expect(q.busy).toBe(true);
    q.add(chunk(2));
    expect(q.take()).toBeNull();
    expect(q.pendingChunks).toBe(3);
    expect(q.acknowledge({ acked_seq: 1, stored: [0, 1], duplicates: [] })).toEqual([0, 1]);
    expect(q.pendingChunks).toBe(1);
    expect(seqs(q.take())).toEqual([2]);
  });

  it("returns nothing to send when idle", () => {
    expect(new UploadQueue().take()).toBeNull();
  });

  it("puts a failed request back and counts failures until an acknowledgement", () => {
    const q = new UploadQueue();
    q.add(chunk(0));
    q.take();
    expect(q.fail()).toBe(1);
    expect(q.pendingSamples).toBe(25);
    q.add(chunk(1));
    expect(seqs(q.take())).toEqual([0, 1]);
    expect(q.fail()).toBe(2);
    q.take();
    q.acknowledge({ acked_seq: 1, stored: [0, 1], duplicates: [] });
    expect(q.failures).toBe(0);
    expect(q.pendingChunks).toBe(0);
  });

  it("treats duplicates as acknowledged (the ack of a request lost on the way back)", () => {
    const q = new UploadQueue();
    q.add(chunk(0));
    q.add(chunk(1));
    q.take();
    // The server stored both, but the answer never arrived: the page resends.
    q.fail();
    q.take();
    expect(q.acknowledge({ acked_seq: 1, stored: [], duplicates: [0, 1] })).toEqual([0, 1]);
    expect(q.pendingChunks).toBe(0);
  });

  it("keeps a chunk the server did not confirm and sends it again", () => {
    const q = new UploadQueue();
    q.add(chunk(0));
    q.add(chunk(1));
    q.take();
    expect(q.acknowledge({ acked_seq: 0, stored: [0], duplicates: [] })).toEqual([0]);
    expect(seqs(q.take())).toEqual([1]);
  });

  it("acknowledges chunks stored out of order once the gap is filled", () => {
    const q = new UploadQueue();
    q.add(chunk(1));
    q.take();
    expect(q.acknowledge({ acked_seq: -1, stored: [1], duplicates: [] })).toEqual([1]);
    q.add(chunk(0));
    q.take();
    expect(q.acknowledge({ acked_seq: 1, stored: [0], duplicates: [] })).toEqual([0]);
    expect(q.ackedSeq).toBe(1);
  });

  it("resumes after a reload: what the server acknowledged is dropped, the rest is resent", () => {
    // The page persisted 0..4, then reloaded; the server says it has everything up to 2.
    const q = new UploadQueue(2);
    const added = [0, 1, 2, 3, 4].map((s) => q.add(chunk(s)));
    expect(added).toEqual([false, false, false, true, true]);
    expect(seqs(q.take())).toEqual([3, 4]);
  });

  it("splits a backlog into requests within the limits", () => {
    const q = new UploadQueue();
    for (let s = 0; s < MAX_CHUNKS_PER_REQUEST + 5; s++) q.add(chunk(s));
    expect(q.take()?.length).toBe(MAX_CHUNKS_PER_REQUEST);
    q.acknowledge({ acked_seq: MAX_CHUNKS_PER_REQUEST - 1, stored: [], duplicates: [] });
    expect(q.take()?.length).toBe(5);

    const big = new UploadQueue();
    big.add(chunk(0, 250));
    for (let s = 1; s < 40; s++) big.add(chunk(s, 250));
    expect(big.take()?.length).toBe(32); // 32 x 250 = 8000 samples
    const huge = new UploadQueue();
    huge.add(chunk(0, 9000));
    expect(huge.take()?.length).toBe(1); // a single chunk is always sent
  });

  it("refuses an answer without a request", () => {
    const q = new UploadQueue();
    expect(() => q.fail()).toThrow(/no request in flight/);
    expect(() => q.acknowledge({ acked_seq: 0, stored: [], duplicates: [] })).toThrow();
  });
});

describe("backoffMs", () => {
  it("doubles from 1 s up to 16 s", () => {
    const none = () => 0;
    expect([1, 2, 3, 4, 5, 6, 12].map((n) => backoffMs(n, none))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 16_000, 16_000,
    ]);
  });

  it("spreads retries by up to a fifth", () => {
    expect(backoffMs(1, () => 1)).toBe(800);
    expect(backoffMs(3, () => 0.5)).toBe(3600);
  });
});
