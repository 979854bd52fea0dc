import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { gettext } from "../i18n";
import type { Lang } from "../model/labels";
import { formatTime } from "../model/playback";
import { el } from "../workspace/task";
import { fixed, seconds } from "./format";
import { lagText, overlayData, traceSummary } from "./lag";
import type { TraceOverlay } from "./types";

/**
 * The annotators' traces overlaid, one uPlot chart per dimension (container
 * `[data-dimension]`), with the aggregate as a thick line, a lag-compensation
 * toggle, a marker at the video's time, and click-to-seek. The charts' hover
 * cursors move together.
 */
export interface TraceCharts {
  readonly root: HTMLElement;
  setTime(t: number): void;
  dispose(): void;
}

const HEIGHT = 160;
// Colour and dash both tell the annotators apart, for readers who do not see the colours.
const COLOURS = ["#0969da", "#bc4c00", "#1a7f37", "#8250df", "#bf3989", "#9a6700"];
const DASHES = [[], [8, 4], [2, 3], [10, 3, 2, 3]];
const SWATCH_STYLES = ["solid", "dashed", "dotted", "dashed"];
const AGGREGATE_COLOUR = "#24292f";

export function traceCharts(
  trace: TraceOverlay,
  lang: Lang,
  seek: (t: number) => void,
): TraceCharts {
  const toggle = el("input", { type: "checkbox", id: "adj-compensate" });
  const root = el(
    "div",
    { class: "adj-traces" },
    el(
      "p",
      { class: "adj-toggle" },
      toggle,
      " ",
      el("label", { for: "adj-compensate" }, gettext("Compensate reaction lag")),
    ),
  );
  let time = 0;
  const charts = trace.dimensions.map((dim) => {
    const title = dim.title?.[lang] ?? dim.title?.en ?? dim.name;
    const ccc = trace.ccc[dim.name];
    const plot = el("div", {
      class: "adj-plot",
      role: "img",
      "aria-label": traceSummary(trace, dim.name, title),
    });
    const figure = el(
      "figure",
      { class: "adj-trace", "data-dimension": dim.name },
      el(
        "figcaption",
        {},
        el("strong", {}, title),
        el("span", {}, lagText(trace, dim.name)),
        el(
          "span",
          {},
          gettext(
            "Concordance (CCC): lowest pair %(min)s, mean %(mean)s, after lag compensation %(compensated)s",
            {
              min: fixed(ccc?.pairwise_min),
              mean: fixed(ccc?.pairwise_mean),
              compensated: fixed(ccc?.lag_compensated_mean),
            },
          ),
        ),
        el(
          "span",
          {},
          ...trace.series.map((s, i) => {
            const swatch = el("i", { "aria-hidden": "true" });
            swatch.style.borderColor = COLOURS[i % COLOURS.length]!;
            swatch.style.borderTopStyle = SWATCH_STYLES[i % SWATCH_STYLES.length]!;
            const text = gettext("%(annotator)s: lag %(lag)s", {
              annotator: s.annotator,
              lag: seconds(s.lag_s[dim.name]),
            });
            return el("span", { class: "adj-lag" }, swatch, text);
          }),
        ),
      ),
      plot,
    );
    root.append(figure);
    const data = (compensate: boolean): uPlot.AlignedData => {
      const { times, lines } = overlayData(trace, dim.name, compensate);
      return [times, ...lines.map((l) => l.values)];
    };
    const marker = el("div", { class: "adj-marker", "aria-hidden": "true" });
    const place = (u: uPlot): void => {
      const x = u.valToPos(time, "x");
      marker.hidden = !(x >= 0 && x <= u.over.clientWidth);
      marker.style.left = `${x}px`;
    };
    const u = new uPlot(
      {
        width: figure.clientWidth || 600,
        height: HEIGHT,
        cursor: { drag: { x: false, y: false, setScale: false }, sync: { key: "adj-traces" } },
        scales: { x: { time: false }, y: { range: [dim.min, dim.max] } },
        axes: [
          { values: (_u, splits) => splits.map((s) => formatTime(s).replace(/\.0$/, "")) },
          { size: 44 },
        ],
        series: [
          { label: gettext("Time"), value: (_u, v) => (v === null ? "—" : formatTime(v)) },
          ...trace.series.map((s, i) => ({
            label: s.annotator,
            stroke: COLOURS[i % COLOURS.length],
            dash: DASHES[i % DASHES.length],
            width: 1.5,
          })),
          ...(trace.aggregate
            ? [
                {
                  label: gettext("Aggregate (%(method)s)", {
                    method: trace.aggregate.method.toUpperCase(),
                  }),
                  stroke: AGGREGATE_COLOUR,
                  width: 3,
                },
              ]
            : []),
        ],
        hooks: { setSize: [place] },
      },
      data(false),
      plot,
    );
    u.over.append(marker);
    u.over.addEventListener("click", () => {
      const left = u.cursor.left;
      if (left !== undefined && left >= 0) seek(Math.max(0, u.posToVal(left, "x")));
    });
    place(u);
    return { u, figure, data, place };
  });

  toggle.addEventListener("change", () => {
    for (const c of charts) c.u.setData(c.data(toggle.checked), false);
  });
  const resize = new ResizeObserver(() => {
    for (const c of charts) {
      const width = c.figure.clientWidth;
      if (width > 0 && Math.abs(width - c.u.width) > 1) c.u.setSize({ width, height: HEIGHT });
    }
  });
  resize.observe(root);

  return {
    root,
    setTime(t) {
      time = t;
      for (const c of charts) c.place(c.u);
    },
    dispose() {
      resize.disconnect();
      for (const c of charts) c.u.destroy();
    },
  };
}
