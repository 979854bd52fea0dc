/**
 * The trace a recorder opens with: what the server holds merged with this
 * browser's own copy (IndexedDB), so that another browser, or this one after
 * its site data was cleared, shows, draws, resumes and submits the whole trace.
 *
 * The merge rule: the server's samples (`GET /api/traces/{id}/samples/`, every
 * stored chunk assembled on the grid, later seq winning) are the base; local
 * chunks the server has not acknowledged are laid over them, since they are
 * newer than anything the server has for their times. Local chunks it has
 * acknowledged add nothing: the server holds them, or something recorded later
 * over them. Without the server's samples (the request failed) the local copy
 * alone is drawn, as before.
 */

import type { TraceInfo } from "../api/types";
import type { Sample, TraceGrid } from "../model/trace-chunks";
import type { StoredChunk } from "./chunk-store";

/** The start call's answer: `max_seq` and `resume_at_s` describe the chunks stored. */
export type ServerTrace = Pick<TraceInfo, "acked_seq"> & {
  /** Highest stored seq (-1: none); may be above acked_seq when a chunk is missing. */
  max_seq?: number;
  /** Media time where the stored chunks end. */
  resume_at_s?: number;
};

/** `GET /api/traces/{id}/samples/`: one row per grid step, null where nothing is recorded. */
export interface ServerSamples {
  samples: readonly (Sample | null)[];
}

/** Whether a local chunk may still be missing on the server. */
export function unacked(chunk: StoredChunk, server: ServerTrace): boolean {
  return !chunk.acked && chunk.seq > server.acked_seq;
}

/** Fills `grid` from the server's samples (null: not available) and the local chunks. */
export function mergeTrace(
  grid: TraceGrid,
  server: ServerTrace,
  samples: ServerSamples | null,
  local: readonly StoredChunk[],
): void {
  if (!samples) {
    for (const c of local) grid.putChunk(c);
    return;
  }
  // Seq 0 for the server's samples: any local chunk (seq >= 0) laid over them wins.
  samples.samples.forEach((sample, k) => {
    if (sample) grid.put(k, 0, sample);
  });
  for (const c of local) if (unacked(c, server)) grid.putChunk(c);
}

/** The next chunk's seq: after every one stored on the server or kept here. */
export function nextSeq(server: ServerTrace, local: readonly StoredChunk[]): number {
  let last = Math.max(server.acked_seq, server.max_seq ?? -1);
  for (const c of local) last = Math.max(last, c.seq);
  return last + 1;
}

/**
 * Where the recording stopped, in media seconds: the end of the latest chunk,
 * local when this browser recorded after what the server holds, else the
 * server's. 0 when nothing was recorded.
 */
export function resumeAt(server: ServerTrace, local: readonly StoredChunk[], rateHz: number): number {
  let last: StoredChunk | undefined;
  for (const c of local) if (!last || c.seq > last.seq) last = c;
  const serverSeq = server.max_seq ?? -1;
  if (last && (last.seq > serverSeq || server.resume_at_s === undefined))
    return (last.k0 + last.samples.length) / rateHz;
  return serverSeq >= 0 ? (server.resume_at_s ?? 0) : 0;
}
