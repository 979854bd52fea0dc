import { gettext, pgettext } from "../i18n";
import { listText } from "../model/labels";
import { el } from "../workspace/task";
import { fmt, labelledValue } from "./format";
import { colorAt } from "./palette";
import {
  axisLabel,
  pointsAttribute,
  radarPoint,
  radarPolygon,
  radarRing,
  type RadarFrame,
} from "./radar";

/**
 * `<radar-chart>`: one polygon per series over axes scaled 0–1 (annotator
 * profiles), in SVG since uPlot draws no radar. Checkboxes in the legend show
 * and hide series; the picture's text summary lists the shown series' values,
 * and each polygon's `<title>` gives them on hover.
 */

export interface RadarData {
  readonly caption: string;
  /** Title of the show/hide checkboxes ("Show annotators"). */
  readonly legend: string;
  readonly axes: readonly string[];
  /** Values 0–1 per axis; null: no value (no vertex, "—" in the text). */
  readonly series: readonly {
    readonly name: string;
    readonly values: readonly (number | null)[];
  }[];
}

const SVG = "http://www.w3.org/2000/svg";
// Wide enough for axis labels of about 28 characters on either side.
const FRAME: RadarFrame = { cx: 280, cy: 150, radius: 105 };
const RINGS = [0.25, 0.5, 0.75, 1];

let instances = 0;

export class RadarChartElement extends HTMLElement {
  #data: RadarData = { caption: "", legend: "", axes: [], series: [] };
  readonly #hidden = new Set<string>();
  readonly #id = `radar-${++instances}`;

  set data(data: RadarData) {
    this.#data = data;
    this.#render();
  }

  #render(): void {
    const { caption, legend: legendTitle, axes, series } = this.#data;
    const svg = svgEl("svg", {
      viewBox: "0 0 560 300",
      role: "img",
      "aria-label": this.#summary(),
    });
    for (const level of RINGS)
      svg.append(
        svgEl("polygon", {
          class: "ring",
          points: pointsAttribute(radarRing(level, axes.length, FRAME)),
        }),
      );
    axes.forEach((axis, i) => {
      const rim = radarPoint(i, axes.length, 1, FRAME);
      svg.append(
        svgEl("line", {
          class: "spoke",
          x1: px(FRAME.cx),
          y1: px(FRAME.cy),
          x2: px(rim.x),
          y2: px(rim.y),
        }),
      );
      const at = axisLabel(i, axes.length, FRAME, 8);
      const text = svgEl("text", {
        x: px(at.x),
        y: px(at.y),
        "text-anchor": at.anchor,
        "dominant-baseline": at.baseline,
      });
      text.textContent = axis;
      svg.append(text);
    });
    series.forEach((s, i) => {
      if (this.#hidden.has(s.name)) return;
      const polygon = svgEl("polygon", {
        class: "series",
        points: pointsAttribute(radarPolygon(s.values, FRAME)),
        stroke: colorAt(i),
        fill: colorAt(i),
      });
      const title = svgEl("title", {});
      title.textContent = this.#valuesText(s);
      polygon.append(title);
      svg.append(polygon);
    });

    const legend = el("fieldset", { class: "radar-legend" }, el("legend", {}, legendTitle));
    series.forEach((s, i) => {
      const box = el("input", { type: "checkbox", id: `${this.#id}-${i}` });
      box.checked = !this.#hidden.has(s.name);
      box.addEventListener("change", () => {
        if (box.checked) this.#hidden.delete(s.name);
        else this.#hidden.add(s.name);
        this.#render();
        this.querySelector<HTMLInputElement>(`#${this.#id}-${i}`)?.focus();
      });
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = colorAt(i);
      legend.append(el("label", { for: box.id }, box, swatch, s.name));
    });
    this.replaceChildren(
      el("figure", { class: "chart" }, el("figcaption", {}, caption), svg, legend),
    );
  }

  #valuesText(s: RadarData["series"][number]): string {
    const values = this.#data.axes.map((axis, j) =>
      labelledValue(axis, fmt().decimal(s.values[j] ?? null)),
    );
    return pgettext("radar series", "%(name)s: %(values)s", {
      name: s.name,
      values: listText(values),
    });
  }

  #summary(): string {
    const shown = this.#data.series.filter((s) => !this.#hidden.has(s.name));
    if (shown.length === 0) return gettext("Nothing is shown.");
    return shown.map((s) => this.#valuesText(s)).join(pgettext("sentence separator", "; "));
  }
}

function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function svgEl(tag: string, attributes: Readonly<Record<string, string>>): SVGElement {
  const node = document.createElementNS(SVG, tag) as SVGElement;
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}
