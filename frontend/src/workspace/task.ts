import type { Clip, Project } from "../api/types";
import type { ClipPlayerElement } from "../elements/clip-player";
import type { Lang } from "../model/labels";
import { type Action, focusOf, type LegendEntry, matchShortcut, type Mode } from "../model/shortcuts";

/** What the workspace needs from the labelling UI of one clip, static or streaming. */
export interface Task {
  readonly mode: Mode;
  readonly root: HTMLElement;
  readonly player: ClipPlayerElement;
  /** The labels so far, as a (possibly partial) payload: what drafts save. */
  payload(): Record<string, unknown>;
  /** What still stops a submission, or null (also marks it on screen). */
  problem(): string | null;
  /** A question the annotator must answer yes to before submitting (a short trace), or null. */
  confirmation(): string | null;
  /** Work due before submitting (the trace is finalised). */
  prepare(): Promise<void>;
  /** Handles a labelling or editing shortcut; false when it is not this task's. */
  apply(action: Action): boolean;
  /** Points at the field the server refused, e.g. `segments[1].start`. */
  showField(field: string): void;
  dispose(): void;
}

export interface TaskContext {
  clip: Clip;
  project: Project;
  /** The labels to start from (a draft, or the submitted labels to correct), or null. */
  labels: Record<string, unknown> | null;
  /** The id of the page's video element (the trace recorder finds the media by it). */
  mediaId: string;
  /** Where the trace is recorded; null where it is not edited (a correction keeps it). */
  traceUrl: string | null;
  lang: Lang;
  api: string;
  csrf: string;
  /** Called on every change of the labels, for the draft autosave. */
  onChange: () => void;
  /** Tells the annotator something (shown in the workspace's status line). */
  say: (message: string, error?: boolean) => void;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value !== undefined) node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

/**
 * The shortcut legend as a list. Each key name carries the presses its binding answers
 * (`data-press`, and `data-in-text` for those meant for text fields), so the browser tests
 * try every shortcut in the table.
 */
export function legendList(entries: readonly LegendEntry[]): HTMLDListElement {
  const list = el("dl");
  for (const { keys, description, press, inText } of entries) {
    const dt = el("dt", { "data-press": press.join(" ") }, el("kbd", {}, keys));
    dt.toggleAttribute("data-in-text", inText);
    list.append(dt, el("dd", {}, description));
  }
  return list;
}

/**
 * A mouse click on a button of the workspace does not move the focus there, so Space and
 * Enter keep their shortcuts (play, ...) instead of pressing that button again.
 */
export function clicksKeepFocus(root: HTMLElement, signal: AbortSignal): void {
  root.addEventListener(
    "mousedown",
    (e) => {
      if ((e.target as Element).closest("button")) e.preventDefault();
    },
    { signal },
  );
}

export function playerFor(ctx: TaskContext): ClipPlayerElement {
  const clip = ctx.clip;
  return el("clip-player", {
    "data-src": clip.video_url ?? "",
    "data-poster": clip.poster_url ?? undefined,
    "data-waveform": clip.waveform_url ?? undefined,
    "data-audio-only": clip.has_video ? undefined : "",
    "data-fps": String(clip.fps ?? 25),
    "data-duration": String(clip.duration_s ?? ""),
    "data-video-id": ctx.mediaId,
  });
}

/**
 * A key pressed on a page with a task (the workspace, the correction screen): the player's
 * keys, Ctrl+Enter (`submit`), Escape, and the task's labelling and editing keys.
 */
export function routeKey(task: Task, e: KeyboardEvent, submit: () => void): void {
  if (e.defaultPrevented) return;
  const action = matchShortcut(e, task.mode, focusOf(e));
  if (!action) return;
  e.preventDefault();
  const player = task.player;
  switch (action.name) {
    case "play-pause":
      player.toggle();
      return;
    case "seek":
      player.seekBy(action.seconds);
      return;
    case "frame":
      player.stepFrame(action.step);
      return;
    case "rate":
      player.stepRate(action.step);
      return;
    case "submit":
      submit();
      return;
    case "escape": {
      const target = e.composedPath()[0];
      if (target instanceof HTMLElement) target.blur();
      return;
    }
    default:
      task.apply(action);
  }
}

/**
 * Labels a tab could not send for a clip submitted elsewhere, kept in this tab's
 * sessionStorage under the annotation they would correct: the correction screen, opened in
 * the same tab, starts from them; they are dropped once sent.
 */
const CARRIED = "emos-carried-labels:";

export function carryLabels(annotation: number, payload: Record<string, unknown>): void {
  try {
    sessionStorage.setItem(CARRIED + annotation, JSON.stringify(payload));
  } catch {
    // storage full or refused: the correction screen then starts from the submitted labels
  }
}

export function carriedLabels(annotation: number): Record<string, unknown> | null {
  try {
    const text = sessionStorage.getItem(CARRIED + annotation);
    return text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function dropCarried(annotation: number): void {
  try {
    sessionStorage.removeItem(CARRIED + annotation);
  } catch {
    // nothing kept
  }
}
