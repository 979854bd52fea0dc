import { afterEach, describe, expect, it } from "vitest";
import { BINDINGS, type KeyLike, legend, matchShortcut } from "./shortcuts";

function key(k: string, extra: Partial<KeyLike> = {}): KeyLike {
  const code = /^[0-9]$/.test(k) ? `Digit${k}` : k;
  return { key: k, code, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...extra };
}

describe("matchShortcut", () => {
  it("maps the player keys", () => {
    expect(matchShortcut(key(" "), "static", "none")).toEqual({ name: "play-pause" });
    expect(matchShortcut(key("k"), "stream", "none")).toEqual({ name: "play-pause" });
    expect(matchShortcut(key("ArrowLeft"), "static", "none")).toEqual({
      name: "seek",
      seconds: -1,
    });
    expect(matchShortcut(key("ArrowRight", { shiftKey: true }), "static", "none")).toEqual({
      name: "seek",
      seconds: 5,
    });
    expect(matchShortcut(key("L", { shiftKey: true }), "static", "none")).toEqual({
      name: "seek",
      seconds: 5,
    });
    expect(matchShortcut(key("."), "static", "none")).toEqual({ name: "frame", step: 1 });
    expect(matchShortcut(key("<", { shiftKey: true }), "static", "none")).toEqual({
      name: "rate",
      step: -1,
    });
  });

  it("maps label keys: digits by key, Shift+digit by code whatever the layout prints", () => {
    expect(matchShortcut(key("1"), "static", "none")).toEqual({ name: "primary", index: 0 });
    expect(matchShortcut(key("7"), "static", "none")).toEqual({ name: "primary", index: 6 });
    expect(matchShortcut(key("8"), "static", "none")).toBeNull();
    expect(matchShortcut(key("0"), "static", "none")).toEqual({ name: "primary-unsure" });
    // Shift+3 prints "#" on a US keyboard and "§" on a German one.
    for (const printed of ["#", "§", "3"]) {
      expect(
        matchShortcut({ ...key(printed, { shiftKey: true }), code: "Digit3" }, "static", "none"),
      ).toEqual({
        name: "intensity",
        value: 3,
      });
    }
    expect(
      matchShortcut({ ...key("^", { shiftKey: true }), code: "Digit6" }, "static", "none"),
    ).toBeNull();
  });

  it("keeps segment keys to streaming clips", () => {
    expect(matchShortcut(key("s"), "static", "none")).toBeNull();
    expect(matchShortcut(key("s"), "stream", "none")).toEqual({ name: "segment-split" });
    expect(matchShortcut(key("["), "stream", "none")).toEqual({ name: "segment-start" });
    expect(matchShortcut(key("n"), "stream", "none")).toEqual({ name: "segment-select", step: 1 });
  });

  it("lets text fields have their keys, except submit and escape", () => {
    expect(matchShortcut(key("1"), "static", "text")).toBeNull();
    expect(matchShortcut(key(" "), "static", "text")).toBeNull();
    expect(matchShortcut(key("Enter", { ctrlKey: true }), "static", "text")).toEqual({
      name: "submit",
    });
    expect(matchShortcut(key("Enter", { metaKey: true }), "stream", "text")).toEqual({
      name: "submit",
    });
    expect(matchShortcut(key("Escape"), "static", "text")).toEqual({ name: "escape" });
  });

  it("leaves a native control its own keys but not the others", () => {
    expect(matchShortcut(key(" "), "static", "control")).toBeNull();
    expect(matchShortcut(key("ArrowRight"), "static", "control")).toBeNull();
    expect(matchShortcut(key("ArrowRight", { shiftKey: true }), "static", "control")).toBeNull();
    expect(matchShortcut(key("3"), "static", "control")).toEqual({ name: "primary", index: 2 });
    expect(matchShortcut(key("Enter", { ctrlKey: true }), "static", "control")).toEqual({
      name: "submit",
    });
  });

  it("ignores browser and system combinations", () => {
    expect(matchShortcut(key("k", { ctrlKey: true }), "static", "none")).toBeNull();
    expect(matchShortcut(key("ArrowLeft", { altKey: true }), "static", "none")).toBeNull();
    expect(matchShortcut(key("1", { metaKey: true }), "static", "none")).toBeNull();
  });

  it("no key press matches two bindings", () => {
    const probes = [
      " ",
      "k",
      "j",
      "l",
      "ArrowLeft",
      ",",
      ".",
      "<",
      ">",
      "0",
      "1",
      "5",
      "7",
      "/",
      "Escape",
      "a",
      "s",
      "m",
      "[",
      "]",
      "Delete",
      "p",
      "n",
      "+",
      "-",
      "r",
    ];
    for (const k of probes) {
      for (const shiftKey of [false, true]) {
        const hits = BINDINGS.filter((b) => b.match(key(k, { shiftKey })));
        expect(hits.length, `${shiftKey ? "Shift+" : ""}${k}`).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe("legend", () => {
  it("lists what the mode offers", () => {
    expect(legend("static").map((l) => l.description)).toContain("submit");
    expect(legend("static").some((l) => l.description.includes("segment"))).toBe(false);
    expect(legend("stream").some((l) => l.description.includes("split"))).toBe(true);
  });
});

describe("legend translation", () => {
  afterEach(() => {
    delete (globalThis as { django?: unknown }).django;
  });

  it("is translated when drawn, not when the module loads", () => {
    const zh: Record<string, string> = { submit: "提交", "Space or K": "空格或 K" };
    (globalThis as { django?: unknown }).django = {
      gettext: (m: string) => zh[m] ?? m,
      ngettext: (s: string, p: string, n: number) => (n === 1 ? s : p),
      pgettext: (_c: string, m: string) => m,
    };
    const entries = legend("static");
    expect(entries.find((l) => l.keys === "Ctrl+Enter")?.description).toBe("提交");
    expect(entries[0]).toEqual({ keys: "空格或 K", description: "play / pause" });
  });
});
