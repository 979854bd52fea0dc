/**
 * The adjudicator's keyboard: its own bindings (deciding, starting from an
 * annotator's labels, going to the next clip, stepping through the decision's
 * segments) ahead of the annotator workspace's player and labelling keys,
 * which it reuses in their static-clip form (the stream-editing letters would
 * clash). One table feeds both the key handler and the on-screen legend.
 */

import { gettext } from "../i18n";
import {
  type Action,
  type Focus,
  type KeyLike,
  legend as workspaceLegend,
  matchShortcut,
} from "../model/shortcuts";

export type AdjudicationAction =
  | { name: "decide" }
  | { name: "next" }
  /** 0: the aggregate; n: the n-th annotator (Annotator A is 1). */
  | { name: "use"; index: number }
  | Action;

interface Binding {
  keys: string;
  description: () => string;
  inText?: boolean;
  match: (e: KeyLike) => AdjudicationAction | null;
}

const plain = (e: KeyLike): boolean => !e.ctrlKey && !e.metaKey && !e.altKey;

/** The digit of the key, read from `code` first: Alt changes the character on some layouts. */
function digit(e: KeyLike): number | null {
  const byCode = /^(?:Digit|Numpad)([0-9])$/.exec(e.code);
  if (byCode) return Number(byCode[1]);
  return /^[0-9]$/.test(e.key) ? Number(e.key) : null;
}

const BINDINGS: readonly Binding[] = [
  {
    keys: "Ctrl+Enter",
    description: () => gettext("decide (the rationale is required)"),
    inText: true,
    match: (e) =>
      (e.ctrlKey || e.metaKey) && !e.altKey && e.key === "Enter" ? { name: "decide" } : null,
  },
  {
    keys: "Alt+1–9",
    description: () => gettext("start the decision from annotator 1–9’s labels"),
    inText: true, // Alt+digit types nothing useful, and the rationale often has the focus
    match: (e) => {
      const d = digit(e);
      return e.altKey && !e.ctrlKey && !e.metaKey && d !== null && d > 0
        ? { name: "use", index: d }
        : null;
    },
  },
  {
    keys: "Alt+0",
    description: () => gettext("start the decision from the aggregate"),
    inText: true,
    match: (e) =>
      e.altKey && !e.ctrlKey && !e.metaKey && digit(e) === 0 ? { name: "use", index: 0 } : null,
  },
  {
    keys: "N",
    description: () => gettext("next disputed clip"),
    match: (e) => (plain(e) && (e.key === "n" || e.key === "N") ? { name: "next" } : null),
  },
  {
    keys: "[ ]",
    description: () => gettext("previous / next segment of the decision (stream clips)"),
    match: (e) =>
      plain(e) && (e.key === "[" || e.key === "]")
        ? { name: "segment-select", step: e.key === "[" ? -1 : 1 }
        : null,
  },
];

/** The action for a key press, or null. */
export function matchAdjudication(e: KeyLike, focus: Focus): AdjudicationAction | null {
  for (const binding of BINDINGS) {
    if (focus === "text" && !binding.inText) continue;
    const action = binding.match(e);
    if (action) return action;
  }
  const action = matchShortcut(e, "static", focus);
  // Ctrl+Enter is "decide" here; the workspace's "submit" never reaches this point.
  return action?.name === "submit" ? null : action;
}

/** Every binding that works here, the adjudicator's first. */
export function legend(): { keys: string; description: string }[] {
  const own = BINDINGS.map((b) => ({ keys: b.keys, description: b.description() }));
  const taken = new Set(own.map((b) => b.keys));
  return [...own, ...workspaceLegend("static").filter((b) => !taken.has(b.keys))];
}

export interface FocusTarget {
  readonly tagName: string;
  readonly type?: string;
  readonly isContentEditable?: boolean;
}

const TEXT_INPUTS = new Set(["text", "search", "email", "number", "password", "url", "tel"]);
const CONTROLS = new Set(["BUTTON", "SELECT", "A", "SUMMARY"]);

/** Where a key press happened: in a text field, on a native control, or elsewhere. */
export function focusKind(target: FocusTarget | null): Focus {
  if (!target) return "none";
  const tag = target.tagName.toUpperCase();
  if (tag === "TEXTAREA" || target.isContentEditable) return "text";
  if (tag === "INPUT")
    return TEXT_INPUTS.has((target.type ?? "text").toLowerCase()) ? "text" : "control";
  return CONTROLS.has(tag) ? "control" : "none";
}
