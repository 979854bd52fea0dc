/** How figures and workflow words read on the adjudication screen. */

import { gettext, pgettext } from "../i18n";
import type { Tier } from "./types";

const DASH = "—";

/** `value` with `digits` decimals, or a dash when unknown. */
export function fixed(value: number | null | undefined, digits = 2): string {
  return typeof value === "number" && Number.isFinite(value) ? value.toFixed(digits) : DASH;
}

/** A share of 1 as a whole percentage ("62%"), or a dash when unknown. */
export function percent(value: number | null | undefined): string {
  return typeof value === "number" && Number.isFinite(value) ? `${Math.round(value * 100)}%` : DASH;
}

/** A clip's language code ("zh") by its name in the reader's language ("Chinese", "中文"). */
export function languageName(code: string, lang: string): string {
  try {
    return new Intl.DisplayNames([lang], { type: "language" }).of(code) ?? code;
  } catch {
    return code; // not a language code Intl knows
  }
}

export function tierText(tier: Tier): string {
  switch (tier) {
    case "high":
      return pgettext("agreement tier", "high");
    case "medium":
      return pgettext("agreement tier", "medium");
    case "low":
      return pgettext("agreement tier", "low");
    default:
      return pgettext("agreement tier", "none");
  }
}

/** How a gold version came about, in words (unknown values as sent). */
export function provenanceText(provenance: string): string {
  switch (provenance) {
    case "adjudicated":
      return pgettext("gold provenance", "adjudicated");
    case "unanimous":
      return pgettext("gold provenance", "unanimous");
    case "majority":
      return pgettext("gold provenance", "majority");
    case "model_confident":
      return pgettext("gold provenance", "model-confident");
    default:
      return provenance;
  }
}

/** Seconds with one decimal and the unit, e.g. "1.2 s". */
export function seconds(value: number | null | undefined): string {
  return typeof value === "number" && Number.isFinite(value)
    ? gettext("%(seconds)s s", { seconds: value.toFixed(1) })
    : DASH;
}
