import { describe, expect, it } from "vitest";
import type { KeyLike } from "../model/shortcuts";
import { legend, matchAdjudication } from "./keys";

function key(k: string, extra: Partial<KeyLike> = {}): KeyLike {
  const code = /^[0-9]$/.test(k) ? `Digit${k}` : k;
  return { key: k, code, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...extra };
}

describe("matchAdjudication", () => {
  it("decides with Ctrl+Enter or Cmd+Enter, even while typing the rationale", () => {
    expect(matchAdjudication(key("Enter", { ctrlKey: true }), "static", "text")).toEqual({ name: "decide" });
    expect(matchAdjudication(key("Enter", { metaKey: true }), "static", "none")).toEqual({ name: "decide" });
    expect(matchAdjudication(key("Enter"), "static", "text")).toBeNull();
  });

  it("picks annotator N's labels with Alt+N and the aggregate with Alt+0, by key code", () => {
    expect(matchAdjudication(key("1", { altKey: true }), "static", "none")).toEqual({
      name: "use",
      index: 1,
    });
    // Alt+2 prints "™" on a Mac.
    expect(matchAdjudication({ ...key("™", { altKey: true }), code: "Digit2" }, "static", "control")).toEqual(
      { name: "use", index: 2 },
    );
    expect(matchAdjudication({ ...key("9", { altKey: true }), code: "Numpad9" }, "static", "none")).toEqual({
      name: "use",
      index: 9,
    });
    expect(matchAdjudication(key("0", { altKey: true }), "static", "none")).toEqual({
      name: "use",
      index: 0,
    });
    // also while typing the rationale: Alt+digit types nothing worth keeping
    expect(matchAdjudication(key("1", { altKey: true }), "static", "text")).toEqual({ name: "use", index: 1 });
    expect(matchAdjudication(key("1", { altKey: true, ctrlKey: true }), "static", "none")).toBeNull();
  });

  it("goes to the next clip with Shift+N, but not while typing or from a control", () => {
    expect(matchAdjudication(key("N", { shiftKey: true }), "static", "none")).toEqual({
      name: "next",
    });
    expect(matchAdjudication(key("N", { shiftKey: true }), "static", "control")).toBeNull();
    expect(matchAdjudication(key("N", { shiftKey: true }), "static", "text")).toBeNull();
    expect(matchAdjudication(key("n"), "static", "none")).toBeNull();
  });

  it("edits the decision's segments with the annotator's keys", () => {
    expect(matchAdjudication(key("n"), "decision", "none")).toEqual({
      name: "segment-select",
      step: 1,
    });
    expect(matchAdjudication(key("p"), "decision", "none")).toEqual({
      name: "segment-select",
      step: -1,
    });
    expect(matchAdjudication(key("["), "decision", "surface")).toEqual({ name: "segment-start" });
    expect(matchAdjudication(key("Delete"), "decision", "none")).toEqual({
      name: "segment-delete",
    });
    expect(matchAdjudication(key("a"), "decision", "text")).toBeNull();
    expect(matchAdjudication(key("r"), "decision", "none")).toBeNull(); // no trace to record
  });

  it("keeps the workspace's player and label keys, and no segment letters on a static clip", () => {
    expect(matchAdjudication(key(" "), "static", "none")).toEqual({ name: "play-pause" });
    expect(matchAdjudication(key(" "), "static", "control")).toBeNull();
    expect(matchAdjudication(key("3"), "static", "none")).toEqual({ name: "primary", index: 2 });
    expect(matchAdjudication(key("Escape"), "static", "text")).toEqual({ name: "escape" });
    expect(matchAdjudication(key("a"), "static", "none")).toBeNull();
    expect(matchAdjudication(key("s"), "static", "none")).toBeNull();
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
