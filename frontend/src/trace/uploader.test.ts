import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import type { TraceChunk } from "../model/trace-chunks";
import { type Ack, UploadQueue } from "../model/upload-queue";
import type { ChunkStore, StoredChunk } from "./chunk-store";
import { TraceUploader } from "./uploader";

const chunk = (seq: number): TraceChunk => ({
  seq,
  k0: seq * 5,
  samples: Array.from({ length: 5 }, () => [seq / 10, 0]),
});

/** The server's side of the protocol: idempotent on seq, contiguous acknowledged sequence. */
class FakeServer {
  readonly chunks = new Map<number, string>();
  down = false;
  loseAnswers = false;
  reject: ApiError | null = null;
  requests: number[][] = [];

  async send(batch: TraceChunk[], log: string[]): Promise<Ack> {
    log.push(`send ${batch.map((c) => c.seq).join(",")}`);
    this.requests.push(batch.map((c) => c.seq));
    if (this.down) throw new ApiError(0, "network", "offline");
    if (this.reject) throw this.reject;
    const stored: number[] = [];
    const duplicates: number[] = [];
    for (const c of batch) {
      const body = JSON.stringify(c);
      if (!this.chunks.has(c.seq)) {
        this.chunks.set(c.seq, body);
        stored.push(c.seq);
      } else if (this.chunks.get(c.seq) === body) duplicates.push(c.seq);
      else
        throw new ApiError(
          409,
          "conflict",
          `chunk ${c.seq} was received before with other samples`,
        );
    }
    let acked = -1;
    while (this.chunks.has(acked + 1)) acked += 1;
    if (this.loseAnswers) throw new ApiError(502, "http", "bad gateway");
    return { acked_seq: acked, stored, duplicates };
  }
}

class FakeStore implements ChunkStore {
  readonly rows = new Map<number, StoredChunk>();
  broken = false;
  constructor(private readonly log: string[]) {}
  async put(_trace: number, c: TraceChunk): Promise<void> {
    await Promise.resolve();
    if (this.broken) throw new Error("quota");
    this.rows.set(c.seq, { ...c, acked: false });
    this.log.push(`put ${c.seq}`);
  }
  async markAcked(_trace: number, seqs: readonly number[]): Promise<void> {
    for (const s of seqs) {
      const row = this.rows.get(s);
      if (row) this.rows.set(s, { ...row, acked: true });
    }
  }
  async load(): Promise<StoredChunk[]> {
    return [...this.rows.values()].sort((a, b) => a.seq - b.seq);
  }
  async clear(): Promise<void> {
    this.rows.clear();
  }
}

function setup(ackedSeq = -1) {
  const log: string[] = [];
  const server = new FakeServer();
  const store = new FakeStore(log);
  let online = true;
  const uploader = new TraceUploader({
    traceId: 1,
    store,
    send: (batch) => server.send(batch, log),
    queue: new UploadQueue(ackedSeq),
    isOnline: () => online,
    onChange: () => undefined,
    random: () => 0,
  });
  return { log, server, store, uploader, setOnline: (v: boolean) => (online = v) };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("TraceUploader", () => {
  it("persists every chunk before sending it", async () => {
    const { log, uploader, store } = setup();
    await uploader.add(chunk(0));
    await uploader.add(chunk(1));
    await uploader.whenSaved();
    expect(log.indexOf("put 0")).toBeLessThan(log.indexOf("send 0"));
    expect(log.findIndex((l) => l.startsWith("send") && l.includes("1"))).toBeGreaterThan(
      log.indexOf("put 1"),
    );
    expect(uploader.unsentSamples).toBe(0);
    await vi.runAllTimersAsync();
    expect([...store.rows.values()].every((r) => r.acked)).toBe(true);
  });

  it("counts a chunk as unsent from the moment it is added", async () => {
    const { uploader, setOnline } = setup();
    setOnline(false);
    const adding = uploader.add(chunk(0));
    expect(uploader.unsentSamples).toBe(5);
    await adding;
    expect(uploader.unsentSamples).toBe(5);
    expect(uploader.connection).toBe("offline");
  });

  it("waits offline, then sends the backlog when the browser is back online", async () => {
    const { server, uploader, setOnline } = setup();
    setOnline(false);
    for (let s = 0; s < 10; s++) await uploader.add(chunk(s));
    expect(server.requests).toEqual([]);
    setOnline(true);
    uploader.retryNow();
    await uploader.whenSaved();
    expect(server.requests).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  });

  it("retries with backoff while requests fail, and recovers", async () => {
    const { server, uploader } = setup();
    server.down = true;
    await uploader.add(chunk(0));
    expect(uploader.connection).toBe("retrying");
    await vi.advanceTimersByTimeAsync(999);
    expect(server.requests.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.requests.length).toBe(2);
    await vi.advanceTimersByTimeAsync(2000); // second retry after 2 s
    expect(server.requests.length).toBe(3);
    server.down = false;
    await uploader.add(chunk(1)); // waits for the timer, not sent at once
    expect(server.requests.length).toBe(3);
    await vi.advanceTimersByTimeAsync(4000);
    await uploader.whenSaved();
    expect(server.requests.at(-1)).toEqual([0, 1]);
    expect(uploader.connection).toBe("online");
  });

  it("resends a request whose answer was lost; the server counts it once", async () => {
    const { server, uploader } = setup();
    server.loseAnswers = true;
    await uploader.add(chunk(0));
    server.loseAnswers = false;
    await vi.advanceTimersByTimeAsync(1000);
    await uploader.whenSaved();
    expect(server.requests).toEqual([[0], [0]]);
    expect(server.chunks.size).toBe(1);
  });

  it("resumes after a reload: acknowledged chunks are dropped, the rest resent", async () => {
    const { server, store, uploader } = setup(1);
    for (const s of [0, 1]) server.chunks.set(s, JSON.stringify(chunk(s)));
    for (const s of [0, 1, 2, 3]) store.rows.set(s, { ...chunk(s), acked: s === 0 });
    uploader.restore(await store.load());
    await uploader.whenSaved();
    expect(server.requests).toEqual([[2, 3]]);
    await vi.runAllTimersAsync();
    expect([...store.rows.values()].map((r) => r.acked)).toEqual([true, true, true, true]);
  });

  it("stops on a refusal that retrying cannot fix, and says why", async () => {
    const { server, uploader } = setup();
    server.reject = new ApiError(409, "conflict", "this trace is finalised");
    const adding = uploader.add(chunk(0));
    const saved = uploader.whenSaved();
    await adding;
    await expect(saved).rejects.toThrow(/finalised/);
    await expect(uploader.whenSaved()).rejects.toThrow(/finalised/);
    expect(uploader.connection).toBe("failed");
    expect(uploader.unsentSamples).toBe(5);
    uploader.retryNow();
    await vi.runAllTimersAsync();
    expect(server.requests.length).toBe(1);
  });

  it("still sends a chunk IndexedDB could not keep, and says so", async () => {
    const { store, uploader } = setup();
    store.broken = true;
    await uploader.add(chunk(0));
    await uploader.whenSaved();
    expect(uploader.notBackedUp).toBe(true);
  });
});
