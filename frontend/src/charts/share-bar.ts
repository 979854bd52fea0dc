import { pgettext } from "../i18n";
import { listText } from "../model/labels";
import { el } from "../workspace/task";
import { fmt } from "./format";
import { colorAt } from "./palette";
import { shares } from "./series";

export interface SharePart {
  readonly label: string;
  readonly value: number;
}

/**
 * One horizontal bar split into parts (clips by workflow stage): plain
 * elements, no canvas, with a legend of counts and shares and the same
 * figures as the bar's text summary.
 */
export function shareBar(caption: string, parts: readonly SharePart[]): HTMLElement {
  const fractions = shares(parts.map((p) => p.value));
  const texts = parts.map((part, i) =>
    pgettext("share of a whole", "%(label)s: %(count)s (%(share)s)", {
      label: part.label,
      count: fmt().count(part.value),
      share: fmt().percent(fractions[i] ?? null),
    }),
  );
  const bar = el("div", { class: "share-bar", role: "img", "aria-label": listText(texts) });
  const legend = el("ul", { class: "share-legend" });
  parts.forEach((_, i) => {
    const color = colorAt(i);
    const segment = el("span", { class: "share" });
    segment.style.flexBasis = `${(fractions[i] ?? 0) * 100}%`;
    segment.style.background = color;
    bar.append(segment);
    const swatch = el("span", { class: "swatch" });
    swatch.style.background = color;
    legend.append(el("li", {}, swatch, texts[i]!));
  });
  return el("figure", { class: "chart" }, el("figcaption", {}, caption), bar, legend);
}
