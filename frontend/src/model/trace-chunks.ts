/**
 * Trace samples grouped into chunks for the upload protocol, and the trace as a
 * grid for drawing.
 *
 * A chunk is a run of consecutive grid points: sample i is at grid index k0 + i,
 * i.e. media time (k0 + i) / rate. A chunk closes when it is full
 * (`samplesPerChunk`), when the next sample does not follow on (a seek), or when
 * the recorder flushes it (pause, end, before finalising). Sequence numbers
 * increase in recording order; where two chunks cover the same grid point (a
 * stretch recorded again) the later sequence number wins, on the server as here.
 */

export type Sample = readonly number[];

export interface TraceChunk {
  readonly seq: number;
  /** Grid index of the first sample. */
  readonly k0: number;
  readonly samples: readonly Sample[];
}

/** The JSON body of one chunk in `POST /api/traces/{id}/chunks/`. */
export interface ChunkBody {
  seq: number;
  t0: number;
  samples: Sample[];
}

export function chunkBody(chunk: TraceChunk, rateHz: number): ChunkBody {
  // The server puts sample i at round(t0 * rate) + i: k0 / rate round-trips exactly.
  return { seq: chunk.seq, t0: chunk.k0 / rateHz, samples: [...chunk.samples] };
}

export class ChunkBuilder {
  readonly samplesPerChunk: number;
  #nextSeq: number;
  #k0 = 0;
  #samples: Sample[] = [];

  constructor(options: { samplesPerChunk: number; nextSeq: number }) {
    if (!Number.isInteger(options.samplesPerChunk) || options.samplesPerChunk < 1) {
      throw new RangeError(
        `samplesPerChunk must be an integer >= 1 (got ${options.samplesPerChunk})`,
      );
    }
    if (!Number.isInteger(options.nextSeq) || options.nextSeq < 0) {
      throw new RangeError(`nextSeq must be an integer >= 0 (got ${options.nextSeq})`);
    }
    this.samplesPerChunk = options.samplesPerChunk;
    this.#nextSeq = options.nextSeq;
  }

  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Samples recorded but not yet in a closed chunk. */
  get openSamples(): number {
    return this.#samples.length;
  }

  /** Adds the sample at grid index `k`; returns the chunks this closed (0, 1 or 2). */
  add(k: number, sample: Sample): TraceChunk[] {
    const closed: TraceChunk[] = [];
    if (this.#samples.length > 0 && k !== this.#k0 + this.#samples.length) {
      closed.push(this.#close());
    }
    if (this.#samples.length === 0) this.#k0 = k;
    this.#samples.push(sample);
    if (this.#samples.length >= this.samplesPerChunk) closed.push(this.#close());
    return closed;
  }

  /** Closes the open chunk, if any. */
  flush(): TraceChunk | null {
    return this.#samples.length > 0 ? this.#close() : null;
  }

  #close(): TraceChunk {
    const chunk = { seq: this.#nextSeq, k0: this.#k0, samples: this.#samples };
    this.#nextSeq += 1;
    this.#samples = [];
    return chunk;
  }
}

/**
 * The trace on its grid, one Float32Array per dimension (NaN where nothing was
 * recorded), sized to the clip. Later sequence numbers win, whatever order the
 * chunks are applied in.
 */
export class TraceGrid {
  readonly rateHz: number;
  readonly length: number;
  readonly values: Float32Array[];
  readonly #seqAt: Int32Array;
  #recorded = 0;

  constructor(options: { rateHz: number; durationSeconds: number; dimensions: number }) {
    this.rateHz = options.rateHz;
    this.length = Math.max(0, Math.floor(options.durationSeconds * options.rateHz + 1e-6)) + 1;
    this.values = Array.from({ length: options.dimensions }, () =>
      new Float32Array(this.length).fill(NaN),
    );
    this.#seqAt = new Int32Array(this.length).fill(-1);
  }

  /** Grid points holding a sample. */
  get recorded(): number {
    return this.#recorded;
  }

  /** The share of the clip's grid holding a sample (0–1). */
  get coverage(): number {
    return this.length > 0 ? this.#recorded / this.length : 0;
  }

  /** Sets one sample; ignored where a later chunk already wrote or outside the clip. */
  put(k: number, seq: number, sample: Sample): void {
    if (k < 0 || k >= this.length || this.#seqAt[k]! > seq) return;
    if (this.#seqAt[k] === -1) this.#recorded += 1;
    this.#seqAt[k] = seq;
    sample.forEach((v, d) => {
      const column = this.values[d];
      if (column) column[k] = v;
    });
  }

  putChunk(chunk: TraceChunk): void {
    for (const [i, sample] of chunk.samples.entries()) this.put(chunk.k0 + i, chunk.seq, sample);
  }
}
