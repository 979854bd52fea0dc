/**
 * The workspace's keyboard shortcuts: one table that the key handler, the
 * on-screen legend and the keyboard-safety test read, so they cannot disagree.
 *
 * Where focus is decides what a key may do: in a text field only bindings
 * marked `inText` (Ctrl+Enter, Escape) work; on a native control (button,
 * checkbox, radio, slider, select, an option of a listbox) the keys it uses
 * itself (Space, Enter, arrows, ...) are left to it, and keys that change the
 * work (`changes`: add, delete, merge, select a segment, recording) do not fire
 * there either: a letter meant for a field must not edit the segments. On the
 * timeline (a "surface") the editing keys work. Digits are matched by
 * `event.key` (top row and keypad alike); Shift+digit by `event.code`, because
 * the character Shift produces depends on the keyboard layout.
 */

import { gettext } from "../i18n";

/** The keys that choose labels in the label form (1–7, 0, Shift+1–5, /). */
export type LabelAction = Extract<
  Action,
  { name: "primary" | "primary-unsure" | "intensity" | "filter-secondary" }
>;

const LABEL_ACTIONS: ReadonlySet<string> = new Set([
  "primary",
  "primary-unsure",
  "intensity",
  "filter-secondary",
]);

export function isLabelAction(action: Action): action is LabelAction {
  return LABEL_ACTIONS.has(action.name);
}

export type Action =
  | { name: "play-pause" }
  | { name: "seek"; seconds: number }
  | { name: "frame"; step: 1 | -1 }
  | { name: "rate"; step: 1 | -1 }
  | { name: "primary"; index: number }
  | { name: "primary-unsure" }
  | { name: "intensity"; value: number }
  | { name: "filter-secondary" }
  | { name: "submit" }
  | { name: "escape" }
  | { name: "segment-new" }
  | { name: "segment-split" }
  | { name: "segment-merge" }
  | { name: "segment-start" }
  | { name: "segment-end" }
  | { name: "segment-delete" }
  | { name: "segment-select"; step: 1 | -1 }
  | { name: "zoom"; factor: number }
  | { name: "record-toggle" };

/** static: one clip's labels; stream: the annotator's segments and trace; decision: the
 * adjudicator's segments (no trace to record). */
export type Mode = "static" | "stream" | "decision";

export interface KeyLike {
  key: string;
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

interface Binding {
  /** What the legend shows, in the interface language (read when the legend is drawn). */
  keys: () => string;
  description: () => string;
  modes: readonly Mode[];
  /** The key presses it answers, in Playwright's names (the legend carries them for tests). */
  press: readonly string[];
  inText?: boolean;
  /** Changes the work (segments, recording, the clip): only where focus is nowhere special. */
  changes?: boolean;
  match: (e: KeyLike) => Action | null;
}

const ALL: readonly Mode[] = ["static", "stream", "decision"];
const SEGMENTS: readonly Mode[] = ["stream", "decision"];
const STREAM: readonly Mode[] = ["stream"];

const plain = (e: KeyLike): boolean => !e.ctrlKey && !e.metaKey && !e.altKey;
const only = (key: string, action: Action) => (e: KeyLike) =>
  plain(e) && e.key === key ? action : null;

export const BINDINGS: readonly Binding[] = [
  {
    keys: () => gettext("Space or K"),
    description: () => gettext("play / pause"),
    press: ["Space", "k"],
    modes: ALL,
    match: (e) => (plain(e) && (e.key === " " || e.key === "k") ? { name: "play-pause" } : null),
  },
  {
    keys: () => gettext("← → or J L"),
    description: () => gettext("back / forward 1 s (with Shift: 5 s)"),
    press: ["ArrowLeft", "ArrowRight", "j", "l", "Shift+ArrowLeft", "Shift+L"],
    modes: ALL,
    match: (e) => {
      if (!plain(e)) return null;
      const dir = { ArrowLeft: -1, j: -1, J: -1, ArrowRight: 1, l: 1, L: 1 }[e.key];
      return dir ? { name: "seek", seconds: dir * (e.shiftKey ? 5 : 1) } : null;
    },
  },
  {
    keys: () => ", .",
    description: () => gettext("previous / next frame"),
    press: ["Comma", "Period"],
    modes: ALL,
    match: (e) =>
      plain(e) && (e.key === "," || e.key === ".")
        ? { name: "frame", step: e.key === "," ? -1 : 1 }
        : null,
  },
  {
    keys: () => "< >",
    description: () => gettext("slower / faster"),
    press: ["Shift+Comma", "Shift+Period"],
    modes: ALL,
    match: (e) =>
      plain(e) && (e.key === "<" || e.key === ">")
        ? { name: "rate", step: e.key === "<" ? -1 : 1 }
        : null,
  },
  {
    keys: () => "1–7",
    description: () => gettext("basic emotion"),
    press: ["1", "2", "3", "4", "5", "6", "7"],
    modes: ALL,
    match: (e) =>
      plain(e) && !e.shiftKey && /^[1-7]$/.test(e.key)
        ? { name: "primary", index: Number(e.key) - 1 }
        : null,
  },
  {
    keys: () => "0",
    description: () => gettext("unsure"),
    press: ["0"],
    modes: ALL,
    match: only("0", { name: "primary-unsure" }),
  },
  {
    keys: () => "Shift+1–5",
    description: () => gettext("intensity"),
    press: ["Shift+Digit1", "Shift+Digit2", "Shift+Digit3", "Shift+Digit4", "Shift+Digit5"],
    modes: ALL,
    match: (e) => {
      const digit = /^Digit([1-5])$/.exec(e.code);
      return plain(e) && e.shiftKey && digit
        ? { name: "intensity", value: Number(digit[1]) }
        : null;
    },
  },
  {
    keys: () => "/",
    description: () => gettext("find a GoEmotions label (Enter picks)"),
    press: ["Slash"],
    modes: ALL,
    match: only("/", { name: "filter-secondary" }),
  },
  {
    keys: () => "Ctrl+Enter",
    description: () => gettext("submit"),
    press: ["Control+Enter"],
    modes: ALL,
    inText: true,
    match: (e) =>
      (e.ctrlKey || e.metaKey) && !e.altKey && e.key === "Enter" ? { name: "submit" } : null,
  },
  {
    keys: () => "Esc",
    description: () => gettext("leave the text field"),
    press: ["Escape"],
    modes: ALL,
    inText: true,
    match: only("Escape", { name: "escape" }),
  },
  {
    keys: () => "A",
    description: () => gettext("add a segment at the playhead"),
    press: ["a"],
    changes: true,
    modes: SEGMENTS,
    match: only("a", { name: "segment-new" }),
  },
  {
    keys: () => "S",
    description: () => gettext("split the segment at the playhead"),
    press: ["s"],
    changes: true,
    modes: SEGMENTS,
    match: only("s", { name: "segment-split" }),
  },
  {
    keys: () => "M",
    description: () => gettext("merge with the next segment"),
    press: ["m"],
    changes: true,
    modes: SEGMENTS,
    match: only("m", { name: "segment-merge" }),
  },
  {
    keys: () => "[ ]",
    description: () => gettext("move segment start / end to the playhead"),
    press: ["BracketLeft", "BracketRight"],
    changes: true,
    modes: SEGMENTS,
    match: (e) =>
      plain(e) && (e.key === "[" || e.key === "]")
        ? { name: e.key === "[" ? "segment-start" : "segment-end" }
        : null,
  },
  {
    keys: () => "Delete",
    description: () => gettext("delete the segment"),
    press: ["Delete", "Backspace"],
    changes: true,
    modes: SEGMENTS,
    match: (e) =>
      plain(e) && (e.key === "Delete" || e.key === "Backspace") ? { name: "segment-delete" } : null,
  },
  {
    keys: () => "P N",
    description: () => gettext("previous / next segment"),
    press: ["p", "n"],
    changes: true,
    modes: SEGMENTS,
    match: (e) =>
      plain(e) && (e.key === "p" || e.key === "n")
        ? { name: "segment-select", step: e.key === "p" ? -1 : 1 }
        : null,
  },
  {
    keys: () => "+ −",
    description: () => gettext("zoom the timeline"),
    press: ["Shift+Equal", "Equal", "Minus"],
    modes: SEGMENTS,
    match: (e) =>
      plain(e) && ["+", "=", "-"].includes(e.key)
        ? { name: "zoom", factor: e.key === "-" ? 1 / 1.5 : 1.5 }
        : null,
  },
  {
    keys: () => "R",
    description: () => gettext("record the trace on / off"),
    press: ["r"],
    changes: true,
    modes: STREAM,
    match: only("r", { name: "record-toggle" }),
  },
];

/**
 * Where the keyboard focus is: nowhere special, an editing surface (a segment
 * on the timeline), a native control or a widget option, or a text field.
 */
export type Focus = "none" | "surface" | "control" | "text";

const CONTROL_KEYS = new Set([
  " ",
  "Enter",
  "ArrowLeft",
  "ArrowRight",
  "ArrowUp",
  "ArrowDown",
  "Home",
  "End",
  "PageUp",
  "PageDown",
]);

/** Whether a binding may fire with the focus at `focus` (before matching the key). */
export function allowedAt(binding: { inText?: boolean; changes?: boolean }, focus: Focus): boolean {
  if (focus === "text") return binding.inText === true;
  return !(binding.changes && focus === "control");
}

/** The action for a key press in `mode`, or null. */
export function matchShortcut(e: KeyLike, mode: Mode, focus: Focus): Action | null {
  if ((focus === "control" || focus === "surface") && CONTROL_KEYS.has(e.key) && plain(e))
    return null;
  for (const binding of BINDINGS) {
    if (!binding.modes.includes(mode) || !allowedAt(binding, focus)) continue;
    const action = binding.match(e);
    if (action) return action;
  }
  return null;
}

export interface LegendEntry {
  keys: string;
  description: string;
  press: readonly string[];
  inText: boolean;
}

/** The legend of `mode`, in the interface language; key names stay as printed. */
export function legend(mode: Mode): LegendEntry[] {
  return BINDINGS.filter((b) => b.modes.includes(mode)).map((b) => ({
    keys: b.keys(),
    description: b.description(),
    press: b.press,
    inText: b.inText === true,
  }));
}

export interface FocusTarget {
  readonly tagName: string;
  readonly type?: string;
  readonly role?: string | null;
  readonly isContentEditable?: boolean;
  /** Inside an editing surface (the segment timeline). */
  readonly onSurface?: boolean;
}

const TEXT_INPUTS = new Set(["text", "search", "email", "number", "password", "url", "tel"]);
const CONTROLS = new Set(["BUTTON", "SELECT", "A", "SUMMARY"]);
const CONTROL_ROLES = new Set([
  "button",
  "checkbox",
  "radio",
  "option",
  "listbox",
  "slider",
  "switch",
  "menuitem",
  "tab",
]);

/** Where a key press happened: in a text field, on a control, on a surface, or elsewhere. */
export function focusKind(target: FocusTarget | null): Focus {
  if (!target) return "none";
  const tag = target.tagName.toUpperCase();
  if (tag === "TEXTAREA" || target.isContentEditable) return "text";
  if (tag === "INPUT")
    return TEXT_INPUTS.has((target.type ?? "text").toLowerCase()) ? "text" : "control";
  const control = CONTROLS.has(tag) || CONTROL_ROLES.has(target.role ?? "");
  if (!control) return "none";
  return target.onSurface ? "surface" : "control";
}

/** Where a key event happened, seen through shadow roots. */
export function focusOf(e: Event): Focus {
  const path = e.composedPath();
  const target = path[0];
  if (!(target instanceof HTMLElement)) return "none";
  return focusKind({
    tagName: target.tagName,
    type: target instanceof HTMLInputElement ? target.type : undefined,
    role: target.getAttribute("role"),
    isContentEditable: target.isContentEditable,
    onSurface: path.some((n) => n instanceof Element && n.localName === "segment-timeline"),
  });
}
