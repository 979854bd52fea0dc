/** Shapes of the REST API's answers that the workspace reads (see annotation/serializers.py). */

import type { LabelSchema } from "../model/labels";
import type { Dimension } from "../model/trace-pad";

export interface TraceConfig {
  rate_hz: number;
  dimensions: Dimension[];
  chunk_seconds?: number;
  /** Below this share of the clip traced, a submit asks for confirmation (default 0.9). */
  min_coverage?: number;
}

export interface Project {
  slug: string;
  name: string;
  label_schema: LabelSchema;
  trace_config: TraceConfig;
  roles: string[];
}

export interface Progress {
  you?: { done_today: number; done_total: number; remaining_for_you: number };
}

export interface ReferenceSegment {
  index: number;
  start_s: number;
  end_s: number;
  text: string;
  speaker: string;
}

export interface Clip {
  id: number;
  external_id: string;
  kind: "static" | "stream";
  language: string;
  title: string;
  transcript: string;
  speaker: string;
  duration_s: number | null;
  fps: number | null;
  has_audio: boolean;
  /** False for an audio-only clip: the player shows its waveform, not a picture. */
  has_video: boolean;
  media_status: string;
  video_url: string | null;
  poster_url: string | null;
  waveform_url: string | null;
  segments: ReferenceSegment[];
}

export interface Assignment {
  id: number;
  layer: number;
  status: string;
  expires_at: string;
  clip: Clip;
  draft: Record<string, unknown> | null;
  /** When the draft was last saved, by this tab or another one (another device). */
  draft_updated_at: string | null;
  /** Once submitted (here or elsewhere): the labels' current revision, to correct. */
  annotation: number | null;
}

export interface Annotation {
  id: number;
  clip: number;
  status: "draft" | "submitted";
  revision: number;
  is_current: boolean;
  payload: Record<string, unknown>;
  submitted_at: string | null;
  updated_at: string;
}

export interface AnnotationDetail extends Annotation {
  clip_detail: Clip;
}

export interface NextAnswer {
  assignment: Assignment | null;
  reason: string;
  /** Held back by the quality rules (qualification); clips may still wait for others. */
  blocked: boolean;
}

export interface TraceInfo {
  id: number;
  revision: number;
  status: "recording" | "finalised";
  config: TraceConfig;
  acked_seq: number;
  sample_count: number;
  gap_report: { coverage?: number; gaps?: number[][]; missing_seqs?: number[] };
}
