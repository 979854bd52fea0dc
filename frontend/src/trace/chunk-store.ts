/**
 * The browser's own copy of a trace, in IndexedDB: every chunk is written here
 * before it is sent, and kept (marked acknowledged) until the trace is
 * finalised, so that a reload or a crash can resend what the server lacks and
 * redraw what was recorded.
 */

import type { TraceChunk } from "../model/trace-chunks";

export interface StoredChunk extends TraceChunk {
  readonly acked: boolean;
}

export interface ChunkStore {
  put(traceId: number, chunk: TraceChunk): Promise<void>;
  markAcked(traceId: number, seqs: readonly number[]): Promise<void>;
  /** The trace's chunks in sequence order. */
  load(traceId: number): Promise<StoredChunk[]>;
  clear(traceId: number): Promise<void>;
}

interface Row extends StoredChunk {
  trace: number;
}

const STORE = "chunks";

function done(request: IDBRequest | IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    if (request instanceof IDBTransaction) {
      request.oncomplete = () => resolve();
      request.onerror = request.onabort = () =>
        reject(request.error ?? new Error("IndexedDB transaction aborted"));
    } else {
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    }
  });
}

const ofTrace = (traceId: number): IDBKeyRange =>
  IDBKeyRange.bound([traceId, 0], [traceId, Infinity]);

export class IndexedDbChunkStore implements ChunkStore {
  readonly #db: IDBDatabase;

  private constructor(db: IDBDatabase) {
    this.#db = db;
  }

  static open(name = "emos-traces", factory: IDBFactory = indexedDB): Promise<IndexedDbChunkStore> {
    return new Promise((resolve, reject) => {
      const request = factory.open(name, 1);
      request.onupgradeneeded = () =>
        request.result.createObjectStore(STORE, { keyPath: ["trace", "seq"] });
      request.onsuccess = () => resolve(new IndexedDbChunkStore(request.result));
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("IndexedDB is blocked by another tab"));
    });
  }

  put(traceId: number, chunk: TraceChunk): Promise<void> {
    const tx = this.#db.transaction(STORE, "readwrite");
    const row: Row = {
      trace: traceId,
      seq: chunk.seq,
      k0: chunk.k0,
      samples: chunk.samples,
      acked: false,
    };
    tx.objectStore(STORE).put(row);
    // Resolved on commit, not on the request: only then is the chunk durable.
    return done(tx);
  }

  markAcked(traceId: number, seqs: readonly number[]): Promise<void> {
    const tx = this.#db.transaction(STORE, "readwrite");
    const store = tx.objectStore(STORE);
    for (const seq of seqs) {
      const get = store.get([traceId, seq]);
      get.onsuccess = () => {
        const row = get.result as Row | undefined;
        if (row && !row.acked) store.put({ ...row, acked: true });
      };
    }
    return done(tx);
  }

  async load(traceId: number): Promise<StoredChunk[]> {
    const request = this.#db
      .transaction(STORE, "readonly")
      .objectStore(STORE)
      .getAll(ofTrace(traceId));
    await done(request);
    return (request.result as Row[]).map(({ seq, k0, samples, acked }) => ({
      seq,
      k0,
      samples,
      acked,
    }));
  }

  clear(traceId: number): Promise<void> {
    const tx = this.#db.transaction(STORE, "readwrite");
    tx.objectStore(STORE).delete(ofTrace(traceId));
    return done(tx);
  }
}
