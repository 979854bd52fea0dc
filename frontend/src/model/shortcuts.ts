/**
 * The workspace's keyboard shortcuts: one table that both the key handler and
 * the on-screen legend read, so the two cannot disagree.
 *
 * Where focus is decides what a key may do: in a text field only bindings
 * marked `inText` (Ctrl+Enter, Escape) work; on a native control (button,
 * checkbox, radio, slider, select) the keys it uses itself (Space, Enter,
 * arrows, ...) are left to it. Digits are matched by `event.key`
 * (top row and keypad alike); Shift+digit by `event.code`, because the
 * character Shift produces depends on the keyboard layout.
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

export type Mode = "static" | "stream";

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
  inText?: boolean;
  match: (e: KeyLike) => Action | null;
}

const BOTH: readonly Mode[] = ["static", "stream"];
const STREAM: readonly Mode[] = ["stream"];

const plain = (e: KeyLike): boolean => !e.ctrlKey && !e.metaKey && !e.altKey;
const only = (key: string, action: Action) => (e: KeyLike) =>
  plain(e) && e.key === key ? action : null;

export const BINDINGS: readonly Binding[] = [
  {
    keys: () => gettext("Space or K"),
    description: () => gettext("play / pause"),
    modes: BOTH,
    match: (e) => (plain(e) && (e.key === " " || e.key === "k") ? { name: "play-pause" } : null),
  },
  {
    keys: () => gettext("← → or J L"),
    description: () => gettext("back / forward 1 s (with Shift: 5 s)"),
    modes: BOTH,
    match: (e) => {
      if (!plain(e)) return null;
      const dir = { ArrowLeft: -1, j: -1, J: -1, ArrowRight: 1, l: 1, L: 1 }[e.key];
      return dir ? { name: "seek", seconds: dir * (e.shiftKey ? 5 : 1) } : null;
    },
  },
  {
    keys: () => ", .",
    description: () => gettext("previous / next frame"),
    modes: BOTH,
    match: (e) =>
      plain(e) && (e.key === "," || e.key === ".")
        ? { name: "frame", step: e.key === "," ? -1 : 1 }
        : null,
  },
  {
    keys: () => "< >",
    description: () => gettext("slower / faster"),
    modes: BOTH,
    match: (e) =>
      plain(e) && (e.key === "<" || e.key === ">")
        ? { name: "rate", step: e.key === "<" ? -1 : 1 }
        : null,
  },
  {
    keys: () => "1–7",
    description: () => gettext("basic emotion"),
    modes: BOTH,
    match: (e) =>
      plain(e) && !e.shiftKey && /^[1-7]$/.test(e.key)
        ? { name: "primary", index: Number(e.key) - 1 }
        : null,
  },
  {
    keys: () => "0",
    description: () => gettext("unsure"),
    modes: BOTH,
    match: only("0", { name: "primary-unsure" }),
  },
  {
    keys: () => "Shift+1–5",
    description: () => gettext("intensity"),
    modes: BOTH,
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
    modes: BOTH,
    match: only("/", { name: "filter-secondary" }),
  },
  {
    keys: () => "Ctrl+Enter",
    description: () => gettext("submit"),
    modes: BOTH,
    inText: true,
    match: (e) =>
      (e.ctrlKey || e.metaKey) && !e.altKey && e.key === "Enter" ? { name: "submit" } : null,
  },
  {
    keys: () => "Esc",
    description: () => gettext("leave the text field"),
    modes: BOTH,
    inText: true,
    match: only("Escape", { name: "escape" }),
  },
  {
    keys: () => "A",
    description: () => gettext("add a segment at the playhead"),
    modes: STREAM,
    match: only("a", { name: "segment-new" }),
  },
  {
    keys: () => "S",
    description: () => gettext("split the segment at the playhead"),
    modes: STREAM,
    match: only("s", { name: "segment-split" }),
  },
  {
    keys: () => "M",
    description: () => gettext("merge with the next segment"),
    modes: STREAM,
    match: only("m", { name: "segment-merge" }),
  },
  {
    keys: () => "[ ]",
    description: () => gettext("move segment start / end to the playhead"),
    modes: STREAM,
    match: (e) =>
      plain(e) && (e.key === "[" || e.key === "]")
        ? { name: e.key === "[" ? "segment-start" : "segment-end" }
        : null,
  },
  {
    keys: () => "Delete",
    description: () => gettext("delete the segment"),
    modes: STREAM,
    match: (e) =>
      plain(e) && (e.key === "Delete" || e.key === "Backspace") ? { name: "segment-delete" } : null,
  },
  {
    keys: () => "P N",
    description: () => gettext("previous / next segment"),
    modes: STREAM,
    match: (e) =>
      plain(e) && (e.key === "p" || e.key === "n")
        ? { name: "segment-select", step: e.key === "p" ? -1 : 1 }
        : null,
  },
  {
    keys: () => "+ −",
    description: () => gettext("zoom the timeline"),
    modes: STREAM,
    match: (e) =>
      plain(e) && ["+", "=", "-"].includes(e.key)
        ? { name: "zoom", factor: e.key === "-" ? 1 / 1.5 : 1.5 }
        : null,
  },
  {
    keys: () => "R",
    description: () => gettext("record the trace on / off"),
    modes: STREAM,
    match: only("r", { name: "record-toggle" }),
  },
];

/** Where the keyboard focus is: nowhere special, a native control, or a text field. */
export type Focus = "none" | "control" | "text";

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

/** The action for a key press in `mode`, or null. */
export function matchShortcut(e: KeyLike, mode: Mode, focus: Focus): Action | null {
  if (focus === "control" && CONTROL_KEYS.has(e.key) && plain(e)) return null;
  for (const binding of BINDINGS) {
    if (!binding.modes.includes(mode) || (focus === "text" && !binding.inText)) continue;
    const action = binding.match(e);
    if (action) return action;
  }
  return null;
}

/** The legend of `mode`, in the interface language; key names stay as printed. */
export function legend(mode: Mode): { keys: string; description: string }[] {
  return BINDINGS.filter((b) => b.modes.includes(mode)).map(({ keys, description }) => ({
    keys: keys(),
    description: description(),
  }));
}
