import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { gettext } from "../i18n";
import { el } from "../workspace/task";
import { fmt } from "./format";
import { colorAt } from "./palette";
import { type Column, stack } from "./series";

/**
 * Every line and bar chart of the dashboard: a `<figure>` with its caption,
 * the uPlot canvas behind `role="img"` and a text summary (what a screen
 * reader reads instead of the picture), and uPlot's legend, which shows the
 * values under the cursor. Sized to its container's width, on resize too.
 */

export interface ChartSeries {
  readonly label: string;
  readonly values: Column;
  readonly color?: string;
}

/** Seconds since the epoch; the legend shows a day or a full date and time. */
interface TimeAxis {
  readonly kind: "time";
  readonly values: readonly number[];
  readonly label: string;
  readonly precision: "day" | "moment";
}

/** Bars or points at 0..n-1, one per label (annotators, tiers, reports). */
interface CategoryAxis {
  readonly kind: "category";
  readonly labels: readonly string[];
  readonly label: string;
  /** Horizontal bars, a row per label, the labels in a column on the left (long names). */
  readonly rows?: boolean;
  /** Labels of a sequence (reports by date): when they do not fit, every k-th is shown whole. */
  readonly sequence?: boolean;
}

export interface ChartSpec {
  readonly caption: string;
  /** The figure in words, e.g. the latest values. */
  readonly summary: string;
  /** `stacked`: bars of the series added up, the first at the bottom. */
  readonly kind: "line" | "bars" | "stacked";
  readonly x: TimeAxis | CategoryAxis;
  readonly series: readonly ChartSeries[];
  /** A fixed value range (agreement −1..1, shares 0..1); else from 0 to the data's top. */
  readonly range?: readonly [number, number];
  /** How values read on the axis and in the legend (default: counts). */
  readonly format?: (value: number) => string;
  readonly height?: number;
}

const DAY_S = 86_400;
/** Height of a row in the horizontal layout (a label's line and room between bars). */
const ROW_PX = 28;
/** Space between the plot's edge and a tick label. */
const GAP_PX = 6;

/** Steps between ticks of counts: whole numbers only (a tick at 2.5 would read "3"). */
const COUNT_STEPS = [0, 1, 2, 3, 4, 5, 6].flatMap((e) => [1, 2, 5].map((m) => m * 10 ** e));

/** The x axis' tick values and their texts, as uPlot last laid them out. */
interface Ticks {
  splits: number[];
  texts: string[];
}

export class Chart {
  readonly figure: HTMLElement;
  #plot: uPlot | null = null;
  readonly #observer: ResizeObserver;

  constructor(spec: ChartSpec) {
    const holder = el("div", { class: "chart-plot", role: "img", "aria-label": spec.summary });
    const legend = el("div", { class: "chart-legend" });
    const empty = xValues(spec.x).length === 0;
    this.figure = el(
      "figure",
      { class: "chart" },
      el("figcaption", {}, spec.caption),
      empty ? el("p", { class: "chart-empty" }, gettext("No data yet.")) : holder,
      legend,
    );
    let width = 0;
    this.#observer = new ResizeObserver(([entry]) => {
      const next = Math.floor(entry?.contentRect.width ?? 0);
      if (next <= 0 || next === width) return;
      width = next;
      const height = plotHeight(spec);
      if (this.#plot) this.#plot.setSize({ width, height });
      else {
        this.#plot = new uPlot(options(spec, width, height, legend), data(spec), holder);
        // Stacked series are drawn top first; list them in their own order (bottom first).
        if (spec.kind === "stacked") {
          const rows = [...legend.querySelectorAll("tr.u-series")];
          rows[0]?.after(...rows.slice(1).reverse());
        }
      }
    });
    if (!empty) this.#observer.observe(holder);
  }

  destroy(): void {
    this.#observer.disconnect();
    this.#plot?.destroy();
    this.#plot = null;
  }
}

function rows(x: TimeAxis | CategoryAxis): boolean {
  return x.kind === "category" && x.rows === true;
}

/** In rows, the height follows the number of rows, so that no two labels share one. */
function plotHeight(spec: ChartSpec): number {
  const height = spec.height ?? 200;
  return spec.x.kind === "category" && rows(spec.x)
    ? Math.max(height, spec.x.labels.length * ROW_PX + 70)
    : height;
}

function xValues(x: TimeAxis | CategoryAxis): number[] {
  return x.kind === "time" ? [...x.values] : x.labels.map((_, i) => i);
}

/** Stacked series are drawn as running sums, top of the stack first so lower bars paint over it. */
function drawn(spec: ChartSpec): { series: ChartSeries; values: Column; index: number }[] {
  const rows = spec.series.map((series, index) => ({ series, values: series.values, index }));
  if (spec.kind !== "stacked") return rows;
  const sums = stack(spec.series.map((s) => s.values));
  return rows.map((row, i) => ({ ...row, values: sums[i]! })).reverse();
}

function data(spec: ChartSpec): uPlot.AlignedData {
  return [xValues(spec.x), ...drawn(spec).map((d) => [...d.values])];
}

/**
 * The span of the moments; one moment (one report, one day) gets a day either
 * side. (Left to itself, uPlot spreads a single point over years: "Jun 1 Dec 1 Jun 1".)
 */
function timeRange(values: readonly number[]): [number, number] {
  const first = Math.min(...values);
  const last = Math.max(...values);
  return first === last ? [first - DAY_S, last + DAY_S] : [first, last];
}

/** Time ticks under a day apart read as times, with the day under the first of each day. */
function timeTexts(splits: readonly number[], incr: number): string[] {
  let previous = "";
  return splits.map((s) => {
    const date = new Date(s * 1000);
    const day = fmt().day(date);
    if (incr >= DAY_S) return day;
    const text = day === previous ? fmt().clock(date) : `${fmt().clock(date)}\n${day}`;
    previous = day;
    return text;
  });
}

/**
 * The x tick labels as HTML over the canvas (uPlot's own are left empty): each
 * keeps to its slot, cut short with an ellipsis and whole in its tooltip. Under
 * the plot they are centred on their tick; in rows they fill the left column.
 */
function drawTicks(u: uPlot, layer: HTMLElement, x: TimeAxis | CategoryAxis, ticks: Ticks): void {
  if (!layer.isConnected) u.over.parentElement?.append(layer);
  const over = u.over;
  const count = x.kind === "category" ? Math.max(1, x.labels.length) : 0;
  const labels = ticks.splits.map((split, i) => {
    const text = ticks.texts[i] ?? "";
    const tick = el("span", { class: "tick" }, text);
    const at = u.valToPos(split, "x");
    if (rows(x)) {
      const slot = over.offsetHeight / count;
      Object.assign(tick.style, {
        top: `${over.offsetTop + at - slot / 2}px`,
        left: "0",
        width: `${Math.max(0, over.offsetLeft - GAP_PX * 2)}px`,
        height: `${slot}px`,
        lineHeight: `${slot}px`,
        textAlign: "right",
      });
    } else {
      const slot = count > 0 ? over.offsetWidth / count - GAP_PX : null;
      Object.assign(tick.style, {
        top: `${over.offsetTop + over.offsetHeight + GAP_PX}px`,
        left: `${over.offsetLeft + at}px`,
        transform: "translateX(-50%)",
        ...(slot === null ? {} : { maxWidth: `${Math.max(0, slot)}px` }),
      });
    }
    return tick;
  });
  layer.replaceChildren(...labels);
  const cut = labels.filter((tick) => tick.scrollWidth > tick.clientWidth);
  if (x.kind === "category" && x.sequence && cut.length > 0) {
    const slot = over.offsetWidth / count;
    const widest = Math.max(...labels.map((tick) => tick.scrollWidth));
    const every = Math.ceil((widest + GAP_PX) / slot);
    labels.forEach((tick, i) => {
      if (i % every === 0) tick.style.maxWidth = "";
      else tick.remove();
    });
  } else for (const tick of cut) tick.title = tick.textContent ?? "";
}

function options(
  spec: ChartSpec,
  width: number,
  height: number,
  legend: HTMLElement,
): uPlot.Options {
  const format = spec.format ?? ((v: number) => fmt().count(v));
  const bars = spec.kind !== "line";
  const x = spec.x;
  const horizontal = rows(x);
  const barPaths = uPlot.paths.bars!({ size: [horizontal ? 0.7 : 0.6, 64] });
  const series: uPlot.Series[] = drawn(spec).map(({ series, index }) => {
    const color = series.color ?? colorAt(index);
    return {
      label: series.label,
      stroke: color,
      width: bars ? 1 : 2,
      fill: bars ? color : undefined,
      paths: bars ? barPaths : undefined,
      points: { show: !bars, size: 6 },
      spanGaps: false,
      // Stacked bars draw sums; the legend shows the series' own value.
      value: (_u, v, _s, idx) => {
        const raw = idx === null ? v : series.values[idx];
        return raw === null || raw === undefined ? "—" : format(raw);
      },
    };
  });
  // Counts start at 0 (a zoomed axis exaggerates small changes) and reach at least 1.
  const yRange: uPlot.Scale.Range = spec.range
    ? [spec.range[0], spec.range[1]]
    : (_u, min, max) => uPlot.rangeNum(Math.min(0, min), Math.max(max, 1), 0.1, true);
  const ticks: Ticks = { splits: [], texts: [] };
  const layer = el("div", { class: "chart-ticks" });
  // A single moment (one report) gets a single tick under it, its day.
  const single = x.kind === "time" && new Set(x.values).size === 1;
  const xAxis: uPlot.Axis =
    x.kind === "time"
      ? {
          label: x.label,
          space: 80,
          ...(single ? { splits: () => [x.values[0]!] } : {}),
          values: (_u, splits, _a, _space, incr) => {
            ticks.splits = [...splits];
            ticks.texts = timeTexts(splits, single ? DAY_S : incr);
            return splits.map(() => "");
          },
          size: 50,
        }
      : {
          // in rows the names say what they are, and the axis title would sit on them
          label: horizontal ? undefined : x.label,
          splits: () => x.labels.map((_, i) => i),
          values: (_u, splits) => {
            ticks.splits = [...splits];
            ticks.texts = splits.map((i) => x.labels[i] ?? "");
            return splits.map(() => "");
          },
          ...(horizontal
            ? { side: 3, size: (u: uPlot) => Math.min(200, Math.round(u.width * 0.42)) }
            : { size: x.labels.some((label) => label.includes("\n")) ? 50 : 36 }),
          grid: { show: false },
        };
  const yAxis: uPlot.Axis = {
    values: (_u, splits) => splits.map(format),
    ...(spec.format ? {} : { incrs: COUNT_STEPS }),
    ...(horizontal ? { side: 2, size: 30, space: 60 } : { size: 56 }),
  };
  return {
    width,
    height,
    series: [
      {
        label: x.label,
        value: (_u, v) => {
          if (v === null || v === undefined) return "—";
          if (x.kind === "category") return x.labels[v] ?? "";
          const date = new Date(v * 1000);
          return x.precision === "day" ? fmt().day(date) : fmt().moment(date);
        },
      },
      ...series,
    ],
    scales: {
      x:
        x.kind === "time"
          ? { time: true, range: timeRange(x.values) }
          : {
              time: false,
              range: [-0.5, x.labels.length - 0.5],
              // rows: the first label at the top
              ...(horizontal ? { ori: 1, dir: -1 } : {}),
            },
      y: { range: yRange, ...(horizontal ? { ori: 0 } : {}) },
    },
    axes: [xAxis, yAxis],
    legend: { mount: (_u, table) => legend.append(table) },
    cursor: { drag: { x: false, y: false }, points: { show: !bars } },
    hooks: { draw: [(u) => drawTicks(u, layer, x, ticks)] },
  };
}
