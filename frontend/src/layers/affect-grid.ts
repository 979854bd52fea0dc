/**
 * The Affect Grid (Russell, Weiss & Mendelsohn, 1989): one 9×9 grid drawn in
 * SVG, pleasure across (valence 1 unpleasant … 9 pleasant) and arousal up
 * (1 sleepy … 9 aroused), with the standard words at its corners and sides.
 * One cell is one answer, `{valence, arousal}`. Mouse: click a cell.
 * Keyboard (an ARIA grid, its cells named "Valence v, arousal a"): Tab to the
 * grid; the arrows move the chosen cell (from the centre when none is chosen
 * yet), Enter or Space chooses the cell under the focus ring, two digits
 * choose valence then arousal ("7", "3": V7 A3), Escape forgets a first digit.
 */

import { gettext } from "../i18n";
import type { Choices, Layer } from "../model/labels";
import { digitOf, dimensional } from "./dimensional";
import type { LayerInput, LayerKind } from "./kind";

export const GRID = dimensional(["valence", "arousal"] as const, 9);
const N = GRID.steps;
const CENTRE: Cell = { valence: 5, arousal: 5 };

export interface Cell {
  readonly valence: number;
  readonly arousal: number;
}

/** Where the keyboard leaves the grid: its cell, a first digit typed, whether to choose. */
export interface GridStep {
  readonly cell: Cell;
  readonly typed: number | undefined;
  readonly choose: boolean;
}

const clamp = (n: number): number => Math.min(N, Math.max(1, n));

const MOVES: Readonly<Record<string, readonly [number, number]>> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, 1],
  ArrowDown: [0, -1],
};

/** A key pressed on the grid at `cell` (a first digit `typed`); undefined: not its key. */
export function gridKey(cell: Cell, typed: number | undefined, key: string): GridStep | undefined {
  const move = MOVES[key];
  if (move !== undefined) {
    const next = { valence: clamp(cell.valence + move[0]), arousal: clamp(cell.arousal + move[1]) };
    return { cell: next, typed: undefined, choose: true };
  }
  if (key === "Enter" || key === " ") return { cell, typed: undefined, choose: true };
  if (key === "Escape" && typed !== undefined) return { cell, typed: undefined, choose: false };
  const n = digitOf(key);
  if (n === undefined) return undefined;
  return typed === undefined
    ? { cell: { ...cell, valence: n }, typed: n, choose: false }
    : { cell: { valence: typed, arousal: n }, typed: undefined, choose: true };
}

/** Choices with the layer's answer the cell. */
export function setCell(choices: Choices, layer: Layer, cell: Cell): Choices {
  return GRID.set(GRID.set(choices, layer, "valence", cell.valence), layer, "arousal", cell.arousal);
}

/** The cell a value names, when it gives both dimensions. */
export function cellOf(value: unknown): Cell | undefined {
  const given = GRID.read(value);
  return given?.valence !== undefined && given.arousal !== undefined
    ? { valence: given.valence, arousal: given.arousal }
    : undefined;
}

// The drawing, in SVG units: cells of SIZE, a margin around the grid for the words.
const SIZE = 28;
const MARGIN = 24;
const SIDE = N * SIZE;
const SVG = "http://www.w3.org/2000/svg";
const ACCENT = "#0969da";

/** The top-left corner of a cell: valence left to right, arousal bottom to top. */
export function cellOrigin(cell: Cell): { x: number; y: number } {
  return { x: MARGIN + (cell.valence - 1) * SIZE, y: MARGIN + (N - cell.arousal) * SIZE };
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string | number>>,
  text?: string,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The standard words: corners above and below the grid, arousal's poles, pleasure's sides. */
function words(): SVGElement[] {
  const top = MARGIN - 8;
  const bottom = MARGIN + SIDE + 16;
  const left = MARGIN;
  const right = MARGIN + SIDE;
  const middle = MARGIN + SIDE / 2;
  const word = (x: number, y: number, anchor: string, text: string, extra = {}) =>
    svg(
      "text",
      { x, y, "text-anchor": anchor, "font-size": 12, fill: "#57606a", ...extra },
      text,
    );
  return [
    word(left, top, "start", gettext("Stress")),
    word(middle, top, "middle", gettext("High arousal"), { "font-weight": 600 }),
    word(right, top, "end", gettext("Excitement")),
    word(left, bottom, "start", gettext("Depression")),
    word(middle, bottom, "middle", gettext("Sleepiness"), { "font-weight": 600 }),
    word(right, bottom, "end", gettext("Relaxation")),
    word(MARGIN - 8, middle, "middle", gettext("Unpleasant feelings"), {
      transform: `rotate(-90 ${MARGIN - 8} ${middle})`,
      "font-weight": 600,
    }),
    word(right + 8, middle, "middle", gettext("Pleasant feelings"), {
      transform: `rotate(90 ${right + 8} ${middle})`,
      "font-weight": 600,
    }),
  ];
}

/** A cell's own fill: the neutral row and column (5) shaded, to find the middle. */
function shade(rect: SVGRectElement): string {
  return rect.dataset.neutral === undefined ? "#fff" : "#eaeef2";
}

let grids = 0; // ids of cells unique on the page (aria-activedescendant)

function cellName(cell: Cell): string {
  return gettext("Valence %(valence)s, arousal %(arousal)s", { ...cell });
}

export const affectGrid: LayerKind = {
  keys: () => gettext("click a cell; or Tab, then arrows, Enter, or two digits"),

  render(layer, host): LayerInput {
    const id = `affect-grid-${++grids}`;
    const cellId = (cell: Cell) => `${id}-${cell.valence}-${cell.arousal}`;
    const width = SIDE + 2 * MARGIN;
    const root = svg("svg", {
      viewBox: `0 0 ${width} ${width}`,
      width: width * 1.25,
      height: width * 1.25,
      role: "grid",
      tabindex: 0,
      "aria-label": gettext("Affect Grid: pleasure across, arousal up"),
    });
    root.style.display = "block";
    root.style.cursor = "pointer";
    const rects = new Map<string, SVGRectElement>();
    for (let arousal = N; arousal >= 1; arousal--) {
      const row = svg("g", { role: "row" });
      for (let valence = 1; valence <= N; valence++) {
        const cell = { valence, arousal };
        const { x, y } = cellOrigin(cell);
        const rect = svg("rect", {
          x, y, width: SIZE, height: SIZE, stroke: "#8c959f", "stroke-width": 1,
          id: cellId(cell), role: "gridcell", "aria-label": cellName(cell), "aria-selected": "false",
        });
        if (valence === CENTRE.valence || arousal === CENTRE.arousal) rect.dataset.neutral = "";
        rect.addEventListener("click", () => {
          cursor = cell;
          typed = undefined;
          host.change(setCell(host.choices(), layer, cell));
        });
        row.append(rect);
        rects.set(cellId(cell), rect);
      }
      root.append(row);
    }
    root.append(...words());
    const mark = svg("circle", { r: SIZE / 3, fill: ACCENT, "pointer-events": "none" });
    const ring = svg("rect", {
      width: SIZE - 2, height: SIZE - 2, fill: "none", stroke: ACCENT, "stroke-width": 3,
      "stroke-dasharray": "4 2", "pointer-events": "none", visibility: "hidden",
    });
    root.append(mark, ring);
    const readout = document.createElement("p");
    readout.className = "chosen";
    readout.setAttribute("aria-live", "polite");

    let cursor = CENTRE;
    let typed: number | undefined;
    let chosen: Cell | undefined;

    const draw = () => {
      const at = cellOrigin(cursor);
      ring.setAttribute("x", String(at.x + 1));
      ring.setAttribute("y", String(at.y + 1));
      root.setAttribute("aria-activedescendant", cellId(cursor));
      for (const [cid, rect] of rects) {
        const selected = chosen !== undefined && cid === cellId(chosen);
        rect.setAttribute("aria-selected", String(selected));
        rect.setAttribute("fill", selected ? "#ddf4ff" : shade(rect));
      }
      mark.setAttribute("visibility", chosen ? "visible" : "hidden");
      if (chosen) {
        const c = cellOrigin(chosen);
        mark.setAttribute("cx", String(c.x + SIZE / 2));
        mark.setAttribute("cy", String(c.y + SIZE / 2));
      }
      readout.textContent =
        typed !== undefined
          ? gettext("Valence %(valence)s; now arousal, 1–9", { valence: typed })
          : chosen
            ? `${gettext("Valence")} ${chosen.valence} · ${gettext("Arousal")} ${chosen.arousal}`
            : gettext("No cell chosen yet");
    };

    root.addEventListener("focus", () => ring.setAttribute("visibility", "visible"));
    root.addEventListener("blur", () => ring.setAttribute("visibility", "hidden"));
    // The grid keeps its keys (arrows, digits, Enter, Space) from the workspace's
    // shortcuts, which would read them as label keys; modified keys pass.
    root.addEventListener("keydown", (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const step = gridKey(cursor, typed, e.key);
      if (step === undefined) return;
      e.preventDefault();
      e.stopPropagation();
      cursor = step.cell;
      typed = step.typed;
      if (step.choose) host.change(setCell(host.choices(), layer, cursor));
      else draw();
    });

    const box = document.createElement("div");
    box.className = "affect-grid";
    box.append(root, readout);
    return {
      nodes: [box],
      sync(value) {
        chosen = cellOf(value);
        if (chosen) cursor = chosen;
        else if (typed === undefined) cursor = CENTRE;
        draw();
      },
    };
  },

  shortcut: () => false, // its keys work inside the grid

  ...GRID.kind,
};
