import { afterEach, describe, expect, it } from "vitest";
import { BINDINGS, focusKind, type KeyLike, legend, matchShortcut } from "./shortcuts";

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

describe("what may fire where", () => {
  it("keeps keys that change the work from a focused control, not from the timeline", () => {
    for (const k of ["a", "s", "m", "[", "Delete", "p", "n", "r"]) {
      expect(matchShortcut(key(k), "stream", "control"), k).toBeNull();
      expect(matchShortcut(key(k), "stream", "text"), k).toBeNull();
      expect(matchShortcut(key(k), "stream", "none"), k).not.toBeNull();
    }
    expect(matchShortcut(key("Delete"), "stream", "surface")).toEqual({ name: "segment-delete" });
    expect(matchShortcut(key(" "), "stream", "surface")).toBeNull();
    expect(matchShortcut(key("r"), "decision", "none")).toBeNull();
  });
});

/** A Playwright key press (US layout) as the browser reports it. */
function pressed(press: string): KeyLike {
  const parts = press.split("+");
  const name = parts.pop()!;
  const mods = new Set(parts);
  const shiftKey = mods.has("Shift");
  const named: Record<string, [string, string]> = {
    Space: [" ", "Space"],
    Comma: [",", "<"],
    Period: [".", ">"],
    Slash: ["/", "?"],
    Equal: ["=", "+"],
    Minus: ["-", "_"],
    BracketLeft: ["[", "{"],
    BracketRight: ["]", "}"],
  };
  const digit = /^Digit(\d)$/.exec(name)?.[1] ?? (/^\d$/.test(name) ? name : undefined);
  let k = name;
  let code = name;
  if (digit !== undefined) {
    k = shiftKey ? "!@#$%^&*()"[(Number(digit) + 9) % 10]! : digit;
    code = `Digit${digit}`;
  } else if (named[name]) {
    k = named[name]![shiftKey && name !== "Space" ? 1 : 0]!;
    code = name;
  } else if (name.length === 1) {
    k = shiftKey ? name.toUpperCase() : name;
    code = `Key${name.toUpperCase()}`;
  }
  return {
    key: k,
    code,
    shiftKey,
    ctrlKey: mods.has("Control"),
    metaKey: mods.has("Meta"),
    altKey: mods.has("Alt"),
  };
}

describe("the presses each binding lists (the browser tests press them)", () => {
  it("are matched by that binding and by no other", () => {
    for (const binding of BINDINGS) {
      expect(binding.press.length, binding.keys()).toBeGreaterThan(0);
      for (const press of binding.press) {
        const e = pressed(press);
        expect(binding.match(e), press).not.toBeNull();
        expect(BINDINGS.filter((b) => b.match(e)).length, press).toBe(1);
      }
    }
  });
});

describe("focusKind", () => {
  it("tells text fields from controls, widget options and the timeline", () => {
    expect(focusKind({ tagName: "TEXTAREA" })).toBe("text");
    expect(focusKind({ tagName: "INPUT", type: "search" })).toBe("text");
    expect(focusKind({ tagName: "INPUT", type: "checkbox" })).toBe("control");
    expect(focusKind({ tagName: "button" })).toBe("control");
    expect(focusKind({ tagName: "DIV", role: "option" })).toBe("control");
    expect(focusKind({ tagName: "BUTTON", onSurface: true })).toBe("surface");
    expect(focusKind({ tagName: "DIV", isContentEditable: true })).toBe("text");
    expect(focusKind({ tagName: "DIV" })).toBe("none");
    expect(focusKind(null)).toBe("none");
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
    expect(entries[0]).toMatchObject({ keys: "空格或 K", description: "play / pause" });
  });
});
