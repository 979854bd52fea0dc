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
      const height = spec.height ?? 200;
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

function options(
  spec: ChartSpec,
  width: number,
  height: number,
  legend: HTMLElement,
): uPlot.Options {
  const format = spec.format ?? ((v: number) => fmt().count(v));
  const bars = spec.kind !== "line";
  const x = spec.x;
  const barPaths = uPlot.paths.bars!({ size: [0.6, 64] });
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
  const xAxis: uPlot.Axis =
    x.kind === "time"
      ? {
          label: x.label,
          space: 80,
          // Ticks under a day apart read as times, with the day under the first of each day.
          values: (_u, splits, _a, _space, incr) => {
            let previous = "";
            return splits.map((s) => {
              const date = new Date(s * 1000);
              const day = fmt().day(date);
              if (incr >= DAY_S) return day;
              const text = day === previous ? fmt().clock(date) : `${fmt().clock(date)}\n${day}`;
              previous = day;
              return text;
            });
          },
        }
      : {
          label: x.label,
          splits: () => x.labels.map((_, i) => i),
          values: () => [...x.labels],
          rotate: x.labels.length > 8 ? -40 : 0,
          size: x.labels.length > 8 ? 80 : 50,
          grid: { show: false },
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
          ? // one report or one day: a day either side, not uPlot's zero-width range
            { time: true, range: (_u, min, max) => (min === max ? [min - DAY_S, max + DAY_S] : [min, max]) }
          : { time: false, range: [-0.5, x.labels.length - 0.5] },
      y: { range: yRange },
    },
    axes: [xAxis, { values: (_u, splits) => splits.map(format), size: 56 }],
    legend: { mount: (_u, table) => legend.append(table) },
    cursor: { drag: { x: false, y: false }, points: { show: !bars } },
  };
}
