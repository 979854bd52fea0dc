import { gettext, pageLanguage } from "../i18n";
import { type Lang, langOf, listText } from "../model/labels";
import { formatTime } from "../model/playback";
import type { Segment } from "../model/segments";
import { Timescale } from "../model/timescale";
import type { TraceGrid } from "../model/trace-chunks";
import { type Dimension, toUnit } from "../model/trace-pad";

/**
 * `<segment-timeline data-duration="30" data-waveform="/media/…/waveform.json" data-language="en">`
 *
 * A zoomable, scrollable timeline: time ruler, audio waveform, utterance
 * segments and the live trace, with the playhead across them. It holds no
 * editing rules: it shows `segments`, `selected`, `time` and `trace`, and
 * reports what the user did as events for the owner to apply:
 * `timeline-seek` {time}, `timeline-select` {index},
 * `timeline-create` {start, end} (drag on an empty stretch of the lane),
 * `timeline-resize` {index, edge, time} (drag a segment's edge).
 * Trace dimensions are named in data-language (else the page's language).
 */

const STYLE = `
:host { display: block; font: 0.75rem system-ui, sans-serif; user-select: none; }
.bar { display: flex; gap: 0.4rem; align-items: center; margin-bottom: 0.25rem; }
button { font: inherit; padding: 0.15rem 0.5rem; }
button:focus-visible, input:focus-visible { outline: 3px solid #0969da; outline-offset: 1px; }
.view { position: relative; overflow: hidden; border: 1px solid #d0d7de; border-radius: 4px; background: #fff; }
.ruler, .trace { display: block; width: 100%; }
.ruler { height: 18px; border-bottom: 1px solid #eaeef2; cursor: pointer; }
clip-waveform { height: 44px; color: #54aeff; cursor: pointer; }
.lane { position: relative; height: 34px; background: #f6f8fa; border-block: 1px solid #eaeef2; cursor: copy; }
.seg {
  position: absolute; top: 3px; bottom: 3px; box-sizing: border-box; overflow: hidden; padding: 0 6px;
  border: 1px solid #8c959f; border-radius: 3px; background: #ddf4ff; color: #0a3069;
  font: inherit; text-align: left; white-space: nowrap; text-overflow: ellipsis; cursor: pointer;
}
.seg.unlabelled { background: #fff8c5; }
.seg[aria-pressed="true"] { border: 2px solid #0969da; background: #b6e3ff; }
.edge { position: absolute; top: 0; bottom: 0; width: 7px; cursor: ew-resize; }
.edge.start { left: -1px; } .edge.end { right: -1px; }
.ghost { position: absolute; top: 3px; bottom: 3px; background: #0969da33; border: 1px dashed #0969da; pointer-events: none; }
.trace { height: 56px; cursor: pointer; }
.playhead { position: absolute; top: 0; bottom: 0; width: 2px; margin-left: -1px; background: #cf222e; pointer-events: none; }
input[type=range] { width: 100%; margin: 0.25rem 0 0; }
.legend { margin-left: auto; color: #57606a; }
.legend i { display: inline-block; width: 10px; height: 3px; vertical-align: middle; margin: 0 3px 0 8px; }
`;

const TRACE_COLOURS = ["#8250df", "#bf3989", "#1a7f37", "#9a6700"];
const MIN_DRAG_PX = 4;

export type TimelineLabel = (index: number) => { text: string; labelled: boolean };

export class SegmentTimelineElement extends HTMLElement {
  readonly #root = this.attachShadow({ mode: "open" });
  readonly #view = document.createElement("div");
  readonly #ruler = document.createElement("canvas");
  readonly #waveform = document.createElement("clip-waveform");
  readonly #lane = document.createElement("div");
  readonly #trace = document.createElement("canvas");
  readonly #playhead = document.createElement("div");
  readonly #scroll = document.createElement("input");
  readonly #clock = document.createElement("span");
  readonly #legend = document.createElement("span");
  readonly #resize = new ResizeObserver(() => this.#relayout());
  #scale = new Timescale({ duration: 0, viewportPx: 0 });
  #segments: readonly Segment<unknown>[] = [];
  #selected = -1;
  #time = 0;
  #grid: TraceGrid | null = null;
  #dims: readonly Dimension[] = [];
  #traceDirty = false;
  /** How each segment is shown: set by the owner, who knows the label schema. */
  describe: TimelineLabel = () => ({ text: "", labelled: false });

  constructor() {
    super();
    const style = document.createElement("style");
    style.textContent = STYLE;
    const bar = document.createElement("div");
    bar.className = "bar";
    const button = (text: string, label: string, fn: () => void): HTMLButtonElement => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = text;
      b.setAttribute("aria-label", label);
      b.addEventListener("click", fn);
      return b;
    };
    this.#legend.className = "legend";
    bar.append(
      button("−", gettext("Zoom out (−)"), () => this.zoom(1 / 1.5)),
      button("+", gettext("Zoom in (+)"), () => this.zoom(1.5)),
      button(gettext("Fit"), gettext("Show the whole clip"), () => this.zoom(0)),
      this.#clock,
      this.#legend,
    );
    this.#ruler.className = "ruler";
    this.#ruler.setAttribute("aria-hidden", "true");
    this.#lane.className = "lane";
    this.#lane.setAttribute("role", "group");
    this.#lane.setAttribute(
      "aria-label",
      gettext("Utterance segments: drag on an empty stretch to add one"),
    );
    this.#trace.className = "trace";
    this.#trace.setAttribute("role", "img");
    this.#playhead.className = "playhead";
    this.#view.className = "view";
    this.#view.append(this.#ruler, this.#waveform, this.#lane, this.#trace, this.#playhead);
    this.#scroll.type = "range";
    this.#scroll.min = "0";
    this.#scroll.step = "any";
    this.#scroll.setAttribute("aria-label", gettext("Scroll the timeline"));
    this.#root.append(style, bar, this.#view, this.#scroll);
  }

  connectedCallback(): void {
    const duration = Number.parseFloat(this.dataset.duration ?? "") || 0;
    this.#waveform.dataset.duration = String(duration);
    if (this.dataset.waveform) this.#waveform.dataset.src = this.dataset.waveform;
    this.#scale = new Timescale({ duration, viewportPx: 0 });
    this.#resize.observe(this.#view);
    this.#bindPointer();
    this.#view.addEventListener("wheel", (e) => this.#wheel(e), { passive: false });
    this.#scroll.addEventListener("input", () => {
      this.#scale.scrollTo(Number(this.#scroll.value));
      this.#renderAll();
    });
  }

  disconnectedCallback(): void {
    this.#resize.disconnect();
  }

  get #lang(): Lang {
    return this.dataset.language ? langOf(this.dataset.language) : pageLanguage();
  }

  #dimTitle(d: Dimension): string {
    return d.title?.[this.#lang] ?? d.title?.en ?? d.name;
  }

  get duration(): number {
    return this.#scale.duration;
  }

  set segments(list: readonly Segment<unknown>[]) {
    this.#segments = list;
    this.#renderSegments();
  }

  set selected(index: number) {
    this.#selected = index;
    this.#renderSegments();
    const seg = this.#segments[index];
    if (seg) this.#reveal(seg.start, seg.end);
  }

  /** The playhead; the view follows it while it plays off the visible window. */
  set time(t: number) {
    this.#time = t;
    if (
      t < this.#scale.scrollSeconds ||
      t > this.#scale.scrollSeconds + this.#scale.visibleSeconds
    ) {
      this.#scale.scrollTo(t - this.#scale.visibleSeconds * 0.1);
      this.#renderAll();
    } else {
      this.#renderPlayhead();
    }
  }

  /** The trace to draw under the segments; redrawn at the next frame after `traceChanged()`. */
  setTrace(grid: TraceGrid | null, dims: readonly Dimension[]): void {
    this.#grid = grid;
    this.#dims = dims;
    this.#legend.replaceChildren(
      ...dims.flatMap((d, i) => {
        const swatch = document.createElement("i");
        swatch.style.background = TRACE_COLOURS[i % TRACE_COLOURS.length]!;
        return [swatch, document.createTextNode(this.#dimTitle(d))];
      }),
    );
    this.traceChanged();
  }

  traceChanged(): void {
    if (this.#traceDirty) return;
    this.#traceDirty = true;
    requestAnimationFrame(() => {
      this.#traceDirty = false;
      this.#drawTrace();
    });
  }

  /** Multiplies the zoom around the playhead; 0 fits the whole clip. */
  zoom(factor: number): void {
    const s = this.#scale;
    if (factor === 0) {
      this.#scale = new Timescale({ duration: s.duration, viewportPx: s.viewportPx });
    } else {
      const anchor = Math.min(s.viewportPx, Math.max(0, s.timeToPx(this.#time)));
      s.zoomAround(anchor, factor);
    }
    this.#renderAll();
  }

  #relayout(): void {
    const s = this.#scale;
    const width = this.#view.clientWidth;
    this.#scale = new Timescale({
      duration: s.duration,
      viewportPx: width,
      pxPerSecond: s.viewportPx > 0 ? s.pxPerSecond : undefined,
      scrollSeconds: s.scrollSeconds,
    });
    this.#renderAll();
  }

  #reveal(start: number, end: number): void {
    const s = this.#scale;
    if (start < s.scrollSeconds || end > s.scrollSeconds + s.visibleSeconds) {
      s.scrollTo(start - s.visibleSeconds * 0.1);
      this.#renderAll();
    }
  }

  #renderAll(): void {
    const s = this.#scale;
    this.#waveform.dataset.viewStart = String(s.scrollSeconds);
    this.#waveform.dataset.viewSeconds = String(s.visibleSeconds);
    this.#scroll.max = String(Math.max(0, s.duration - s.visibleSeconds));
    this.#scroll.value = String(s.scrollSeconds);
    this.#scroll.disabled = s.visibleSeconds >= s.duration;
    this.#drawRuler();
    this.#renderSegments();
    this.#drawTrace();
    this.#renderPlayhead();
  }

  #renderPlayhead(): void {
    this.#playhead.style.left = `${this.#scale.timeToPx(this.#time)}px`;
    this.#clock.textContent = `${formatTime(this.#time)} / ${formatTime(this.#scale.duration)}`;
  }

  #renderSegments(): void {
    const s = this.#scale;
    const focused = this.#root.activeElement;
    const focusedIndex = focused instanceof HTMLElement ? Number(focused.dataset.index ?? -1) : -1;
    const buttons = this.#segments.map((seg, i) => {
      const { text, labelled } = this.describe(i);
      const b = document.createElement("button");
      b.type = "button";
      b.className = labelled ? "seg" : "seg unlabelled";
      b.dataset.index = String(i);
      b.style.left = `${s.timeToPx(seg.start)}px`;
      b.style.width = `${Math.max(2, (seg.end - seg.start) * s.pxPerSecond)}px`;
      const shown = text || gettext("unlabelled");
      b.textContent = shown;
      b.tabIndex = i === Math.max(0, this.#selected) ? 0 : -1;
      b.setAttribute("aria-pressed", String(i === this.#selected));
      b.setAttribute(
        "aria-label",
        gettext("Segment %(number)s, %(start)s to %(end)s, %(label)s", {
          number: i + 1,
          start: formatTime(seg.start),
          end: formatTime(seg.end),
          label: shown,
        }),
      );
      for (const edge of ["start", "end"] as const) {
        const handle = document.createElement("span");
        handle.className = `edge ${edge}`;
        handle.dataset.edge = edge;
        handle.setAttribute("aria-hidden", "true");
        b.append(handle);
      }
      return b;
    });
    this.#lane.replaceChildren(...buttons);
    if (focusedIndex >= 0) buttons[focusedIndex]?.focus();
  }

  #drawRuler(): void {
    const ctx = sizeCanvas(this.#ruler);
    if (!ctx) return;
    const s = this.#scale;
    const dpr = window.devicePixelRatio || 1;
    // A tick every 1, 2, 5, 10, ... seconds, at least 70 px apart.
    const step =
      [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600].find(
        (d) => d * s.pxPerSecond >= 70,
      ) ?? 600;
    ctx.fillStyle = "#57606a";
    ctx.font = `${10 * dpr}px system-ui, sans-serif`;
    for (
      let t = Math.ceil(s.scrollSeconds / step) * step;
      t <= s.scrollSeconds + s.visibleSeconds;
      t += step
    ) {
      const x = s.timeToPx(t) * dpr;
      ctx.fillRect(x, 10 * dpr, dpr, 8 * dpr);
      ctx.fillText(formatTime(t).replace(/\.0$/, ""), x + 3 * dpr, 10 * dpr);
    }
  }

  #drawTrace(): void {
    const ctx = sizeCanvas(this.#trace);
    const grid = this.#grid;
    if (!ctx || !grid) return;
    const s = this.#scale;
    const dpr = window.devicePixelRatio || 1;
    const { width, height } = ctx.canvas;
    ctx.fillStyle = "#eaeef2";
    ctx.fillRect(0, height / 2, width, dpr);
    const first = Math.max(0, Math.floor(s.scrollSeconds * grid.rateHz));
    const last = Math.min(
      grid.length - 1,
      Math.ceil((s.scrollSeconds + s.visibleSeconds) * grid.rateHz),
    );
    // At most about one point per pixel column: a 10-minute trace has 15,000.
    const stride = Math.max(1, Math.floor((last - first) / Math.max(1, s.viewportPx)));
    ctx.lineWidth = 1.5 * dpr;
    this.#dims.forEach((dim, d) => {
      const values = grid.values[d];
      if (!values) return;
      ctx.strokeStyle = TRACE_COLOURS[d % TRACE_COLOURS.length]!;
      ctx.beginPath();
      let pen = false;
      for (let k = first; k <= last; k += stride) {
        const v = values[k]!;
        if (Number.isNaN(v)) {
          pen = false;
          continue;
        }
        const x = s.timeToPx(k / grid.rateHz) * dpr;
        const y = (1 - toUnit(v, dim)) * (height - 4 * dpr) + 2 * dpr;
        if (pen) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        pen = true;
      }
      ctx.stroke();
    });
    this.#trace.setAttribute(
      "aria-label",
      gettext("Recorded trace: %(seconds)s s of %(dimensions)s", {
        seconds: (grid.recorded / grid.rateHz).toFixed(1),
        dimensions: listText(this.#dims.map((d) => this.#dimTitle(d))),
      }),
    );
  }

  #wheel(e: WheelEvent): void {
    e.preventDefault();
    const s = this.#scale;
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      s.scrollTo(s.scrollSeconds + (e.deltaX || e.deltaY) / s.pxPerSecond);
    } else {
      s.zoomAround(e.clientX - this.#view.getBoundingClientRect().left, e.deltaY < 0 ? 1.25 : 0.8);
    }
    this.#renderAll();
  }

  #bindPointer(): void {
    const timeAt = (e: PointerEvent): number =>
      Math.min(
        this.duration,
        Math.max(0, this.#scale.pxToTime(e.clientX - this.#view.getBoundingClientRect().left)),
      );
    const emit = (type: string, detail: unknown): void => {
      this.dispatchEvent(new CustomEvent(type, { detail }));
    };
    for (const area of [this.#ruler, this.#waveform, this.#trace] as HTMLElement[]) {
      area.addEventListener("pointerdown", (e) => emit("timeline-seek", { time: timeAt(e) }));
    }
    this.#lane.addEventListener("pointerdown", (e) => {
      const target = e.target as HTMLElement;
      const seg = target.closest<HTMLElement>(".seg");
      // Mouse clicks do not take focus, so Space keeps playing and pausing the video.
      e.preventDefault();
      this.#lane.setPointerCapture(e.pointerId);
      const startX = e.clientX;
      const t0 = timeAt(e);
      const index = Number(seg?.dataset.index ?? -1);
      const edge = target.dataset.edge;
      let dragged = false;
      const ghost = document.createElement("div");
      ghost.className = "ghost";
      const move = (m: PointerEvent): void => {
        dragged ||= Math.abs(m.clientX - startX) >= MIN_DRAG_PX;
        if (!dragged) return;
        if (edge && index >= 0) emit("timeline-resize", { index, edge, time: timeAt(m) });
        else if (index < 0) {
          const [a, b] = [t0, timeAt(m)].sort((x, y) => x - y) as [number, number];
          ghost.style.left = `${this.#scale.timeToPx(a)}px`;
          ghost.style.width = `${(b - a) * this.#scale.pxPerSecond}px`;
          if (!ghost.isConnected) this.#lane.append(ghost);
        }
      };
      const up = (u: PointerEvent): void => {
        this.#lane.removeEventListener("pointermove", move);
        ghost.remove();
        if (index >= 0 && !dragged) emit("timeline-select", { index });
        else if (index < 0 && dragged) emit("timeline-create", { start: t0, end: timeAt(u) });
        else if (index < 0) emit("timeline-seek", { time: t0 });
      };
      this.#lane.addEventListener("pointermove", move);
      this.#lane.addEventListener("pointerup", up, { once: true });
    });
    this.#lane.addEventListener("click", (e) => {
      // Keyboard activation (Enter/Space on a focused segment) arrives as a click with detail 0.
      const seg = (e.target as HTMLElement).closest<HTMLElement>(".seg");
      if (seg && e.detail === 0) emit("timeline-select", { index: Number(seg.dataset.index) });
    });
  }
}

function sizeCanvas(canvas: HTMLCanvasElement): CanvasRenderingContext2D | null {
  const dpr = window.devicePixelRatio || 1;
  const box = canvas.getBoundingClientRect();
  canvas.width = Math.round(box.width * dpr);
  canvas.height = Math.round(box.height * dpr);
  return canvas.width > 0 && canvas.height > 0 ? canvas.getContext("2d") : null;
}
