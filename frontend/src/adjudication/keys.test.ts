import { describe, expect, it } from "vitest";
import type { Focus, KeyLike, Mode } from "../model/shortcuts";
import { legend, matchAdjudication } from "./keys";

function key(k: string, extra: Partial<KeyLike> = {}): KeyLike {
  const code = /^[0-9]$/.test(k) ? `Digit${k}` : k;
  return { key: k, code, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...extra };
}

/** A key press with a static clip open unless `mode` says otherwise. */
const match = (e: KeyLike, focus: Focus, mode: Mode = "static") =>
  matchAdjudication(e, mode, focus);

describe("matchAdjudication", () => {
  it("decides with Ctrl+Enter or Cmd+Enter, even while typing the rationale", () => {
    expect(match(key("Enter", { ctrlKey: true }), "text")).toEqual({ name: "decide" });
    expect(match(key("Enter", { metaKey: true }), "none")).toEqual({ name: "decide" });
    expect(match(key("Enter"), "text")).toBeNull();
  });

  it("picks annotator N's labels with Alt+N and the aggregate with Alt+0, by key code", () => {
    expect(match(key("1", { altKey: true }), "none")).toEqual({
      name: "use",
      index: 1,
    });
    // Alt+2 prints "™" on a Mac.
    expect(match({ ...key("™", { altKey: true }), code: "Digit2" }, "control")).toEqual(
      { name: "use", index: 2 },
    );
    expect(match({ ...key("9", { altKey: true }), code: "Numpad9" }, "none")).toEqual({
      name: "use",
      index: 9,
    });
    expect(match(key("0", { altKey: true }), "none")).toEqual({
      name: "use",
      index: 0,
    });
    // also while typing the rationale: Alt+digit types nothing worth keeping
    expect(match(key("1", { altKey: true }), "text")).toEqual({ name: "use", index: 1 });
    expect(match(key("1", { altKey: true, ctrlKey: true }), "none")).toBeNull();
  });

  it("goes to the next clip with Shift+N, but not while typing or from a control", () => {
    expect(match(key("N", { shiftKey: true }), "none")).toEqual({
      name: "next",
    });
    expect(match(key("N", { shiftKey: true }), "control")).toBeNull();
    expect(match(key("N", { shiftKey: true }), "text")).toBeNull();
    expect(match(key("n"), "none")).toBeNull();
  });

  it("edits the decision's segments with the annotator's keys", () => {
    expect(match(key("n"), "none", "decision")).toEqual({
      name: "segment-select",
      step: 1,
    });
    expect(match(key("p"), "none", "decision")).toEqual({
      name: "segment-select",
      step: -1,
    });
    expect(match(key("["), "surface", "decision")).toEqual({ name: "segment-start" });
    expect(match(key("Delete"), "none", "decision")).toEqual({
      name: "segment-delete",
    });
    expect(match(key("a"), "text", "decision")).toBeNull();
    expect(match(key("r"), "none", "decision")).toBeNull(); // no trace to record
  });

  it("keeps the workspace's player and label keys, and no segment letters on a static clip", () => {
    expect(match(key(" "), "none")).toEqual({ name: "play-pause" });
    expect(match(key(" "), "control")).toBeNull();
    expect(match(key("3"), "none")).toEqual({ name: "primary", index: 2 });
    expect(match(key("Escape"), "text")).toEqual({ name: "escape" });
    expect(match(key("a"), "none")).toBeNull();
    expect(match(key("s"), "none")).toBeNull();
  });
});

describe("legend", () => {
  it("lists the adjudicator's keys first and every key once", () => {
    const keys = legend("decision").map((b) => b.keys);
    expect(keys.slice(0, 4)).toEqual(["Ctrl+Enter", "Alt+1–9", "Alt+0", "Shift+N"]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain("Space or K");
    expect(keys).toContain("P N");
    expect(keys).not.toContain("R");
    expect(legend("static").map((b) => b.keys)).not.toContain("A");
  });
});
