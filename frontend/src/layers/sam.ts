/**
 * The Self-Assessment Manikin (Bradley & Lang, 1994): valence, arousal and
 * dominance, each a row of nine manikins drawn in SVG and a radio group of its
 * own. Mouse: click a manikin; keyboard: Tab to a row, arrow keys move along
 * it (the browser's radio group), a digit 1–9 picks that manikin.
 */

import { gettext } from "../i18n";
import { type DimensionalValue, digitOf, dimensional } from "./dimensional";
import type { Layer } from "../model/labels";
import type { LayerInput, LayerKind } from "./kind";

export { digitOf };

export const DIMENSIONS = ["valence", "arousal", "dominance"] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export type SamValue = DimensionalValue<Dimension>;
export const STEPS = 9;

const SCALE = dimensional(DIMENSIONS, STEPS);
/** Choices with `dim` of the layer set to `n` (ignored off the scale). */
export const setDimension = SCALE.set;
/** The value read back from a payload: the dimensions it gives on the scale. */
export const samValue = SCALE.read;

const SVG = "http://www.w3.org/2000/svg";

/** One SVG element of a manikin: its tag and attributes. */
export interface Shape {
  readonly tag: "circle" | "path" | "polygon" | "g";
  readonly attrs: Readonly<Record<string, string>>;
  readonly children?: readonly Shape[];
}

function dimensionName(dim: Dimension): string {
  if (dim === "valence") return gettext("Valence");
  return dim === "arousal" ? gettext("Arousal") : gettext("Dominance");
}

/** A star of `points` rays around (cx, cy), its outer radius `r`. */
function burst(cx: number, cy: number, r: number, points: number): string {
  return Array.from({ length: points * 2 }, (_, i) => {
    const radius = i % 2 === 0 ? r : r * 0.55;
    const angle = (Math.PI * i) / points - Math.PI / 2;
    return `${(cx + radius * Math.cos(angle)).toFixed(1)},${(cy + radius * Math.sin(angle)).toFixed(1)}`;
  }).join(" ");
}

/**
 * Manikin `n` (1–9) of a dimension, in a 40×48 box: valence bends the mouth
 * from a frown (1) to a smile (9); arousal grows a burst on the body and opens
 * the eyes; dominance scales the whole figure from small (1) to filling the box (9).
 */
export function manikin(dim: Dimension, n: number): Shape[] {
  const t = (n - 1) / (STEPS - 1); // 0..1 along the scale
  const mouth = dim === "valence" ? 13 + 11 * t : 19; // the curve's control point (y)
  const eye = dim === "arousal" ? 0.6 + 1.2 * t : 1.2;
  const figure: Shape[] = [
    { tag: "path", attrs: { d: "M12 46 L14 26 Q20 22 26 26 L28 46 Z", fill: "none" } },
    { tag: "circle", attrs: { cx: "20", cy: "14", r: "8", fill: "none" } },
    { tag: "circle", attrs: { cx: "17", cy: "12", r: eye.toFixed(1), fill: "currentColor" } },
    { tag: "circle", attrs: { cx: "23", cy: "12", r: eye.toFixed(1), fill: "currentColor" } },
    { tag: "path", attrs: { d: `M16 17 Q20 ${mouth.toFixed(1)} 24 17`, fill: "none" } },
  ];
  if (dim === "arousal") {
    figure.push({
      tag: "polygon",
      attrs: { points: burst(20, 35, 2 + 7 * t, 8), fill: "currentColor", "fill-opacity": "0.5" },
    });
  }
  const scale = dim === "dominance" ? 0.4 + 0.6 * t : 1;
  return [
    {
      tag: "g",
      attrs: {
        transform: `translate(20 47) scale(${scale.toFixed(3)}) translate(-20 -47)`,
        stroke: "currentColor",
        "stroke-width": "1.5",
      },
      children: figure,
    },
  ];
}

function draw(shapes: readonly Shape[], into: Element): void {
  for (const shape of shapes) {
    const el = document.createElementNS(SVG, shape.tag);
    for (const [name, value] of Object.entries(shape.attrs)) el.setAttribute(name, value);
    draw(shape.children ?? [], el);
    into.append(el);
  }
}

function row(layer: Layer, dim: Dimension, pick: (n: number) => void) {
  const group = document.createElement("div");
  group.setAttribute("role", "radiogroup");
  group.setAttribute("aria-label", dimensionName(dim));
  group.style.display = "flex";
  group.style.alignItems = "flex-end";
  group.style.gap = "0.15rem";
  const caption = document.createElement("span");
  caption.textContent = dimensionName(dim);
  caption.style.minWidth = "6rem";
  group.append(caption);
  const inputs: HTMLInputElement[] = [];
  for (let n = 1; n <= STEPS; n++) {
    const label = document.createElement("label");
    label.style.display = "flex";
    label.style.flexDirection = "column";
    label.style.alignItems = "center";
    label.style.cursor = "pointer";
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 40 48");
    svg.setAttribute("width", "42");
    svg.setAttribute("height", "50");
    svg.setAttribute("aria-hidden", "true");
    draw(manikin(dim, n), svg);
    const input = document.createElement("input");
    input.type = "radio";
    input.name = `${layer.name}.${dim}`;
    input.value = String(n);
    input.setAttribute(
      "aria-label",
      gettext("%(dimension)s %(n)s of %(steps)s", { dimension: dimensionName(dim), n, steps: STEPS }),
    );
    input.addEventListener("change", () => pick(n));
    label.append(svg, input);
    group.append(label);
    inputs.push(input);
  }
  // Digits pick within the focused row; the row keeps its keys (arrows, digits)
  // from the workspace's shortcuts, which would read them as label keys.
  group.addEventListener("keydown", (e) => {
    const n = digitOf(e.key);
    if (n !== undefined && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      inputs[n - 1]!.focus();
      pick(n);
    }
    if (n !== undefined || e.key.startsWith("Arrow")) e.stopPropagation();
  });
  return {
    group,
    sync(value: SamValue) {
      for (const input of inputs) {
        input.checked = value[dim] === Number(input.value);
        const label = input.parentElement as HTMLElement;
        label.style.color = input.checked ? "var(--accent, #1d5fbf)" : "";
        label.style.outline = input.checked ? "2px solid currentColor" : "";
      }
    },
  };
}

export const sam: LayerKind = {
  keys: () => gettext("Tab to a row, then 1–9 or ←/→"),

  render(layer, host): LayerInput {
    const rows = DIMENSIONS.map((dim) =>
      row(layer, dim, (n) => host.change(setDimension(host.choices(), layer, dim, n))),
    );
    const box = document.createElement("div");
    box.className = "sam";
    box.append(...rows.map((r) => r.group));
    return {
      nodes: [box],
      sync(value) {
        const given = samValue(value) ?? {};
        for (const r of rows) r.sync(given);
      },
    };
  },

  shortcut: () => false, // its keys work inside its rows

  ...SCALE.kind,
};
