import { describe, expect, it } from "vitest";
import type { KeyLike } from "../model/shortcuts";
import { focusKind, legend, matchAdjudication } from "./keys";

function key(k: string, extra: Partial<KeyLike> = {}): KeyLike {
  const code = /^[0-9]$/.test(k) ? `Digit${k}` : k;
  return { key: k, code, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...extra };
}

describe("matchAdjudication", () => {
  it("decides with Ctrl+Enter or Cmd+Enter, even while typing the rationale", () => {
    expect(matchAdjudication(key("Enter", { ctrlKey: true }), "text")).toEqual({ name: "decide" });
    expect(matchAdjudication(key("Enter", { metaKey: true }), "none")).toEqual({ name: "decide" });
    expect(matchAdjudication(key("Enter"), "text")).toBeNull();
  });

  it("picks annotator N's labels with Alt+N and the aggregate with Alt+0, by key code", () => {
    expect(matchAdjudication(key("1", { altKey: true }), "none")).toEqual({
      name: "use",
      index: 1,
    });
    // Alt+2 prints "™" on a Mac.
    expect(matchAdjudication({ ...key("™", { altKey: true }), code: "Digit2" }, "control")).toEqual(
      { name: "use", index: 2 },
    );
    expect(matchAdjudication({ ...key("9", { altKey: true }), code: "Numpad9" }, "none")).toEqual({
      name: "use",
      index: 9,
    });
    expect(matchAdjudication(key("0", { altKey: true }), "none")).toEqual({
      name: "use",
      index: 0,
    });
    // also while typing the rationale: Alt+digit types nothing worth keeping
    expect(matchAdjudication(key("1", { altKey: true }), "text")).toEqual({ name: "use", index: 1 });
    expect(matchAdjudication(key("1", { altKey: true, ctrlKey: true }), "none")).toBeNull();
  });

  it("goes to the next clip with N, but not while typing", () => {
    expect(matchAdjudication(key("n"), "none")).toEqual({ name: "next" });
    expect(matchAdjudication(key("N", { shiftKey: true }), "control")).toEqual({ name: "next" });
    expect(matchAdjudication(key("n"), "text")).toBeNull();
    expect(matchAdjudication(key("n", { ctrlKey: true }), "none")).toBeNull();
  });

  it("steps through the decision's segments with [ and ]", () => {
    expect(matchAdjudication(key("["), "none")).toEqual({ name: "segment-select", step: -1 });
    expect(matchAdjudication(key("]"), "control")).toEqual({ name: "segment-select", step: 1 });
  });

  it("keeps the workspace's player and label keys, not its stream-editing letters", () => {
    expect(matchAdjudication(key(" "), "none")).toEqual({ name: "play-pause" });
    expect(matchAdjudication(key(" "), "control")).toBeNull();
    expect(matchAdjudication(key("3"), "none")).toEqual({ name: "primary", index: 2 });
    expect(matchAdjudication(key("Escape"), "text")).toEqual({ name: "escape" });
    expect(matchAdjudication(key("a"), "none")).toBeNull();
    expect(matchAdjudication(key("s"), "none")).toBeNull();
  });
});

describe("legend", () => {
  it("lists the adjudicator's keys first and every key once", () => {
    const keys = legend().map((b) => b.keys);
    expect(keys.slice(0, 5)).toEqual(["Ctrl+Enter", "Alt+1–9", "Alt+0", "N", "[ ]"]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain("Space or K");
    expect(keys).not.toContain("A");
  });
});

describe("focusKind", () => {
  it("tells text fields from controls", () => {
    expect(focusKind({ tagName: "TEXTAREA" })).toBe("text");
    expect(focusKind({ tagName: "INPUT", type: "search" })).toBe("text");
    expect(focusKind({ tagName: "INPUT", type: "checkbox" })).toBe("control");
    expect(focusKind({ tagName: "button" })).toBe("control");
    expect(focusKind({ tagName: "DIV", isContentEditable: true })).toBe("text");
    expect(focusKind({ tagName: "DIV" })).toBe("none");
    expect(focusKind(null)).toBe("none");
  });
});
