import { afterEach, beforeEach, describe, expect, it } from "vitest";
// Imported under other names so that `makemessages -d djangojs` does not take these test
// strings into the catalogue (xgettext only extracts calls spelled gettext/ngettext/pgettext).
import {
  gettext as translate,
  interpolate,
  ngettext as translatePlural,
  pageLanguage,
  pgettext as translateInContext,
} from "./i18n";
import { langOf } from "./model/labels";

/** A stand-in for the catalogue Django's `/jsi18n/` installs as `window.django`. */
const ZH: Readonly<Record<string, string | readonly string[]>> = {
  "Skip this clip": "跳过此片段",
  "Chosen: %(labels)s": "已选：%(labels)s",
  "%(count)s sample": ["%(count)s 个样本"],
  "list separator\u0004, ": "、",
};

function fakeCatalog() {
  const lookup = (key: string): string | readonly string[] | undefined => ZH[key];
  return {
    gettext(msgid: string): string {
      const value = lookup(msgid);
      return typeof value === "string" ? value : (value?.[0] ?? msgid);
    },
    ngettext(singular: string, plural: string, count: number): string {
      const value = lookup(singular);
      if (value === undefined) return count === 1 ? singular : plural;
      // Chinese has one plural form.
      return typeof value === "string" ? value : (value[0] ?? singular);
    },
    pgettext(context: string, msgid: string): string {
      const value = lookup(`${context}\u0004${msgid}`);
      return typeof value === "string" ? value : msgid;
    },
  };
}

type Global = { django?: unknown; document?: unknown };

describe("interpolate", () => {
  it("fills named placeholders, as often as they occur", () => {
    expect(interpolate("%(a)s and %(b)s, %(a)s", { a: "x", b: 2 })).toBe("x and 2, x");
    expect(interpolate("%(seconds)s s", { seconds: "3.0" })).toBe("3.0 s");
  });

  it("leaves placeholders without a value, and text without placeholders, as they are", () => {
    expect(interpolate("%(a)s and %(missing)s", { a: "x" })).toBe("x and %(missing)s");
    expect(interpolate("no placeholders", { a: "x" })).toBe("no placeholders");
    expect(interpolate("100% done, %(a)d")).toBe("100% done, %(a)d");
  });
});

describe("without a catalogue (unit tests, or before /jsi18n/ loads)", () => {
  beforeEach(() => {
    delete (globalThis as Global).django;
  });

  it("gettext and pgettext answer the English msgid, interpolated", () => {
    expect(translate("Skip this clip")).toBe("Skip this clip");
    expect(translate("Chosen: %(labels)s", { labels: "joy" })).toBe("Chosen: joy");
    expect(translateInContext("list separator", ", ")).toBe(", ");
  });

  it("ngettext picks the English form by count and fills %(count)s", () => {
    expect(translatePlural("%(count)s sample", "%(count)s samples", 1)).toBe("1 sample");
    expect(translatePlural("%(count)s sample", "%(count)s samples", 0)).toBe("0 samples");
    expect(translatePlural("%(count)s sample", "%(count)s samples", 25)).toBe("25 samples");
    expect(
      translatePlural("%(count)s s (%(n)s)", "%(count)s s (%(n)s)", 2, { n: "x" }),
    ).toBe("2 s (x)");
  });
});

describe("with Django's catalogue", () => {
  beforeEach(() => {
    (globalThis as Global).django = fakeCatalog();
  });

  afterEach(() => {
    delete (globalThis as Global).django;
  });

  it("gettext translates, then interpolates the translation", () => {
    expect(translate("Skip this clip")).toBe("跳过此片段");
    expect(translate("Chosen: %(labels)s", { labels: "喜悦、自豪" })).toBe("已选：喜悦、自豪");
  });

  it("falls back to the msgid where the catalogue has no translation", () => {
    expect(translate("Not translated %(x)s", { x: 1 })).toBe("Not translated 1");
  });

  it("ngettext takes the catalogue's form and fills %(count)s", () => {
    expect(translatePlural("%(count)s sample", "%(count)s samples", 1)).toBe("1 个样本");
    expect(translatePlural("%(count)s sample", "%(count)s samples", 7)).toBe("7 个样本");
    expect(translatePlural("%(count)s file", "%(count)s files", 7)).toBe("7 files");
  });

  it("pgettext looks the msgid up in its context", () => {
    expect(translateInContext("list separator", ", ")).toBe("、");
    expect(translateInContext("other context", ", ")).toBe(", ");
  });
});

describe("pageLanguage", () => {
  const original = (globalThis as Global).document;

  afterEach(() => {
    if (original === undefined) delete (globalThis as Global).document;
    else (globalThis as Global).document = original;
  });

  function withLang(lang: string): void {
    (globalThis as Global).document = { documentElement: { lang } };
  }

  it("reads <html lang>, English unless it is Chinese", () => {
    withLang("zh-hans");
    expect(pageLanguage()).toBe("zh");
    withLang("zh-Hans");
    expect(pageLanguage()).toBe("zh");
    withLang("en");
    expect(pageLanguage()).toBe("en");
    withLang("");
    expect(pageLanguage()).toBe("en");
    delete (globalThis as Global).document;
    expect(pageLanguage()).toBe("en");
  });

  it("agrees with the workspace's data-language for Django's language codes", () => {
    for (const code of ["en", "en-us", "zh-hans", "zh-hant", "zh", "fr"]) {
      withLang(code);
      expect(pageLanguage(), code).toBe(langOf(code));
    }
  });
});
