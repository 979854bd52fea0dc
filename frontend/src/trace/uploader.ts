/**
 * Drives the trace upload: persist each chunk, then send; retry with backoff
 * when the network fails; resend at once when the browser comes back online.
 * The bookkeeping is UploadQueue's; this class only does the I/O around it.
 */

import { ApiError } from "../api/client";
import { gettext } from "../i18n";
import type { TraceChunk } from "../model/trace-chunks";
import { type Ack, backoffMs, type UploadQueue } from "../model/upload-queue";
import type { ChunkStore, StoredChunk } from "./chunk-store";

export type Connection = "online" | "offline" | "retrying" | "failed";

export interface UploaderOptions {
  traceId: number;
  store: ChunkStore;
  send: (chunks: TraceChunk[]) => Promise<Ack>;
  queue: UploadQueue;
  isOnline: () => boolean;
  onChange: () => void;
  random?: () => number;
}

export class TraceUploader {
  readonly #o: UploaderOptions;
  #persisting = new Map<number, number>(); // seq -> samples, written but not yet durable
  #connection: Connection = "online";
  #error: string | null = null;
  #notBackedUp = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(options: UploaderOptions) {
    this.#o = options;
  }

  get connection(): Connection {
    return this.#connection;
  }

  /** Why uploading stopped (Connection "failed"), or null. */
  get error(): string | null {
    return this.#error;
  }

  /** True once a chunk could not be written to IndexedDB (it is still sent). */
  get notBackedUp(): boolean {
    return this.#notBackedUp;
  }

  /** Samples recorded in closed chunks that the server has not acknowledged. */
  get unsentSamples(): number {
    let n = this.#o.queue.pendingSamples;
    for (const samples of this.#persisting.values()) n += samples;
    return n;
  }

  /** Persists `chunk`, then queues it for sending. */
  async add(chunk: TraceChunk): Promise<void> {
    this.#persisting.set(chunk.seq, chunk.samples.length);
    this.#o.onChange();
    try {
      await this.#o.store.put(this.#o.traceId, chunk);
    } catch {
      // Losing the local copy must not lose the samples: send them all the same.
      this.#notBackedUp = true;
    }
    this.#persisting.delete(chunk.seq);
    this.#o.queue.add(chunk);
    this.pump();
  }

  /** After a reload: queues the stored chunks the server has not acknowledged. */
  restore(chunks: readonly StoredChunk[]): void {
    const acked = chunks.filter((c) => !c.acked && !this.#o.queue.add(c)).map((c) => c.seq);
    if (acked.length > 0)
      void this.#o.store.markAcked(this.#o.traceId, acked).catch(() => undefined);
    this.pump();
  }

  /** Sends now: the browser is back online, or the caller wants to flush. */
  retryNow(): void {
    if (this.#connection === "failed") return;
    this.#clearTimer();
    this.pump();
  }

  /** Resolves when every chunk added so far is acknowledged; rejects if uploading failed. */
  whenSaved(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#settle();
    });
  }

  dispose(): void {
    this.#clearTimer();
  }

  pump(): void {
    const queue = this.#o.queue;
    if (this.#connection === "failed" || this.#timer !== null || queue.busy) return;
    if (!this.#o.isOnline()) {
      this.#set("offline");
      return;
    }
    const batch = queue.take();
    if (!batch) {
      this.#set("online");
      return;
    }
    this.#o.send(batch).then(
      (ack) => {
        const safe = queue.acknowledge(ack);
        void this.#o.store.markAcked(this.#o.traceId, safe).catch(() => undefined);
        this.#set("online");
        this.pump();
      },
      (error: unknown) => {
        const failures = queue.fail();
        if (error instanceof ApiError && !error.transient) {
          this.#error = error.field ? `${error.message} (${error.field})` : error.message;
          this.#set("failed");
          return;
        }
        this.#set(this.#o.isOnline() ? "retrying" : "offline");
        this.#timer = setTimeout(
          () => {
            this.#timer = null;
            this.pump();
          },
          backoffMs(failures, this.#o.random),
        );
      },
    );
  }

  #set(connection: Connection): void {
    this.#connection = connection;
    this.#o.onChange();
    this.#settle();
  }

  #settle(): void {
    if (this.#connection === "failed") {
      const error = new Error(this.#error ?? gettext("upload failed"));
      for (const w of this.#waiters.splice(0)) w.reject(error);
    } else if (this.unsentSamples === 0 && !this.#o.queue.busy) {
      for (const w of this.#waiters.splice(0)) w.resolve();
    }
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
