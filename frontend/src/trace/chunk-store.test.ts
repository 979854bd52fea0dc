import { IDBFactory } from "fake-indexeddb";
import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { IndexedDbChunkStore } from "./chunk-store";

const chunk = (seq: number) => ({
  seq,
  k0: seq * 2,
  samples: [
    [seq / 10, -seq / 10],
    [0, 0],
  ],
});

describe("IndexedDbChunkStore", () => {
  it("keeps chunks per trace in sequence order, across reopening", async () => {
    const factory = new IDBFactory();
    const store = await IndexedDbChunkStore.open("t", factory);
    for (const seq of [2, 0, 1]) await store.put(7, chunk(seq));
    await store.put(8, chunk(0));
    await store.markAcked(7, [0, 1, 99]);

    const again = await IndexedDbChunkStore.open("t", factory); // a reload
    const rows = await again.load(7);
    expect(rows.map((r) => [r.seq, r.acked])).toEqual([
      [0, true],
      [1, true],
      [2, false],
    ]);
    expect(rows[2]).toEqual({ ...chunk(2), acked: false });
    expect((await again.load(8)).length).toBe(1);
  });

  it("replaces a chunk written twice and clears one trace only", async () => {
    const store = await IndexedDbChunkStore.open("t", new IDBFactory());
    await store.put(1, chunk(0));
    await store.put(1, { ...chunk(0), k0: 50 });
    expect((await store.load(1)).map((r) => r.k0)).toEqual([50]);
    await store.put(2, chunk(0));
    await store.clear(1);
    expect(await store.load(1)).toEqual([]);
    expect((await store.load(2)).length).toBe(1);
  });
});
