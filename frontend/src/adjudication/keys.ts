/**
 * The adjudicator's keyboard: its own bindings (deciding, starting from an
 * annotator's labels, going to the next clip) ahead of the annotator
 * workspace's table, whose player, labelling and segment-editing keys it
 * reuses unchanged (mode "decision" for a stream clip: P N, A S M, [ ],
 * Delete as in the annotator's editor). One table feeds both the key
 * handler and the on-screen legend.
 */

import { gettext } from "../i18n";
import {
  type Action,
  allowedAt,
  type Focus,
  type KeyLike,
  type LegendEntry,
  type Mode,
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
  /** The key presses it answers, in Playwright's names (see model/shortcuts). */
  press: readonly string[];
  inText?: boolean;
  changes?: boolean;
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
    press: ["Control+Enter"],
    inText: true,
    match: (e) =>
      (e.ctrlKey || e.metaKey) && !e.altKey && e.key === "Enter" ? { name: "decide" } : null,
  },
  {
    keys: "Alt+1–9",
    description: () => gettext("start the decision from annotator 1–9’s labels"),
    press: ["Alt+Digit1", "Alt+Digit2", "Alt+Digit3"],
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
    press: ["Alt+Digit0"],
    inText: true,
    match: (e) =>
      e.altKey && !e.ctrlKey && !e.metaKey && digit(e) === 0 ? { name: "use", index: 0 } : null,
  },
  {
    // Shift: plain N is the next segment, as in the annotator's editor.
    keys: "Shift+N",
    description: () => gettext("next disputed clip"),
    press: ["Shift+N"],
    changes: true,
    match: (e) => (plain(e) && e.shiftKey && e.key === "N" ? { name: "next" } : null),
  },
];

/** The action for a key press with a clip of `mode` open, or null. */
export function matchAdjudication(
  e: KeyLike,
  mode: Mode,
  focus: Focus,
): AdjudicationAction | null {
  for (const binding of BINDINGS) {
    if (!allowedAt(binding, focus)) continue;
    const action = binding.match(e);
    if (action) return action;
  }
  const action = matchShortcut(e, mode, focus);
  // Ctrl+Enter is "decide" here; the workspace's "submit" never reaches this point.
  return action?.name === "submit" ? null : action;
}

/** Every binding that works with a clip of `mode`, the adjudicator's first. */
export function legend(mode: Mode): LegendEntry[] {
  const own = BINDINGS.map((b) => ({
    keys: b.keys,
    description: b.description(),
    press: b.press,
    inText: b.inText === true,
  }));
  const taken = new Set(own.map((b) => b.keys));
  return [...own, ...workspaceLegend(mode).filter((b) => !taken.has(b.keys))];
}
