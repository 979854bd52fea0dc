/**
 * The upload side of the trace protocol as a state machine, without I/O.
 *
 * A chunk enters the queue only after it has been persisted locally. One
 * request is in flight at a time, carrying the oldest pending chunks. The
 * server answers with the acknowledged sequence (every seq up to it received)
 * and which chunks of this request it stored or had already (a replay); those
 * are safe and leave the queue. Anything else stays pending and is sent again:
 * the server treats a replayed chunk as a duplicate, so resending is harmless.
 */

import type { TraceChunk } from "./trace-chunks";

export interface Ack {
  acked_seq: number;
  stored: number[];
  duplicates: number[];
}

/** Request limits: the server takes at most 512 KiB per request. */
export const MAX_CHUNKS_PER_REQUEST = 64;
export const MAX_SAMPLES_PER_REQUEST = 8000;

export class UploadQueue {
  readonly #pending = new Map<number, TraceChunk>();
  #inFlight: TraceChunk[] | null = null;
  #ackedSeq: number;
  #failures = 0;

  /** `ackedSeq` is the server's at start (-1 when it has nothing). */
  constructor(ackedSeq = -1) {
    this.#ackedSeq = ackedSeq;
  }

  get ackedSeq(): number {
    return this.#ackedSeq;
  }

  /** Failed attempts since the last acknowledgement. */
  get failures(): number {
    return this.#failures;
  }

  get busy(): boolean {
    return this.#inFlight !== null;
  }

  /** Chunks persisted but not acknowledged, the request in flight included. */
  get pendingChunks(): number {
    return this.#pending.size + (this.#inFlight?.length ?? 0);
  }

  get pendingSamples(): number {
    let n = 0;
    for (const c of this.#pending.values()) n += c.samples.length;
    for (const c of this.#inFlight ?? []) n += c.samples.length;
    return n;
  }

  /** Queues a persisted chunk; false when the server already acknowledged it. */
  add(chunk: TraceChunk): boolean {
    if (chunk.seq <= this.#ackedSeq) return false;
    this.#pending.set(chunk.seq, chunk);
    return true;
  }

  /** The next request's chunks, oldest first; null when idle or a request is in flight. */
  take(): TraceChunk[] | null {
    if (this.#inFlight || this.#pending.size === 0) return null;
    const batch: TraceChunk[] = [];
    let samples = 0;
    for (const seq of [...this.#pending.keys()].sort((a, b) => a - b)) {
      const chunk = this.#pending.get(seq)!;
      const full =
        batch.length >= MAX_CHUNKS_PER_REQUEST ||
        (batch.length > 0 && samples + chunk.samples.length > MAX_SAMPLES_PER_REQUEST);
      if (full) break;
      batch.push(chunk);
      samples += chunk.samples.length;
      this.#pending.delete(seq);
    }
    this.#inFlight = batch;
    return batch;
  }

  /** The request in flight was answered; returns the sequence numbers now safe on the server. */
  acknowledge(ack: Ack): number[] {
    const sent = this.#requireInFlight();
    this.#ackedSeq = Math.max(this.#ackedSeq, ack.acked_seq);
    const received = new Set([...ack.stored, ...ack.duplicates]);
    const safe: number[] = [];
    for (const chunk of sent) {
      if (received.has(chunk.seq) || chunk.seq <= this.#ackedSeq) safe.push(chunk.seq);
      else this.#pending.set(chunk.seq, chunk);
    }
    for (const seq of [...this.#pending.keys()]) {
      if (seq <= this.#ackedSeq) {
        this.#pending.delete(seq);
        safe.push(seq);
      }
    }
    this.#failures = 0;
    return safe.sort((a, b) => a - b);
  }

  /** The request in flight failed; its chunks are pending again. Returns the failure count. */
  fail(): number {
    for (const chunk of this.#requireInFlight()) this.#pending.set(chunk.seq, chunk);
    this.#failures += 1;
    return this.#failures;
  }

  #requireInFlight(): TraceChunk[] {
    const sent = this.#inFlight;
    if (!sent) throw new Error("no request in flight");
    this.#inFlight = null;
    return sent;
  }
}

/**
 * Delay before retry number `failures` (1, 2, ...): 1 s doubling to 16 s, less
 * up to a fifth at random so that clients coming back together spread out.
 */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(16_000, 1000 * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (1 - 0.2 * random()));
}
