import { ApiClient } from "../api/client";
import type { TraceConfig, TraceInfo } from "../api/types";
import { gettext, ngettext, pageLanguage } from "../i18n";
import { type Lang, langOf } from "../model/labels";
import { type LagStats, MediaSampler } from "../model/media-sampler";
import { ChunkBuilder, chunkBody, type TraceChunk, TraceGrid } from "../model/trace-chunks";
import {
  centre,
  type Dimension,
  nudge,
  type PadValue,
  toUnit,
  valueAtPoint,
  valueFromStick,
} from "../model/trace-pad";
import { type Ack, UploadQueue } from "../model/upload-queue";
import { type ChunkStore, IndexedDbChunkStore } from "../trace/chunk-store";
import {
  mergeTrace,
  nextSeq,
  resumeAt,
  type ServerSamples,
  type ServerTrace,
} from "../trace/merge";
import { TraceUploader } from "../trace/uploader";

/**
 * `<trace-recorder data-trace-url="/api/assignments/12/trace/" data-media="clip-video"
 *    data-duration="30" data-rate="25" data-chunk-seconds="1" data-dimensions='[…]'
 *    data-api="/api/" data-csrf="…" data-language="en">`
 *
 * Records the pad's value (mouse, arrow keys, gamepad stick) on the grid
 * t = k / rate of the media element `data-media` while it plays, and uploads it
 * by the chunk protocol: each chunk is kept in IndexedDB before it is sent and
 * resent until acknowledged; a reload resumes from the server's acked_seq plus
 * the local copy. On start the samples the server holds are loaded and merged
 * with the local copy (trace/merge.ts), so that another browser profile shows,
 * draws and resumes the trace recorded in this one. The trace's own config
 * (from the start call) overrides data-rate/data-dimensions/data-chunk-seconds,
 * so that a project edited mid-recording cannot mix rates within one trace.
 *
 * One tab of a browser records a trace at a time (a Web Lock per trace URL): two recorders
 * would number their chunks alike and the server keeps the first of each. A second tab waits
 * (`data-state` waiting, and says so) and takes over, with the first tab's chunks from the
 * shared IndexedDB, once that tab is closed.
 *
 * Reflected on the element: `data-state` (loading | waiting | ready | finalised | error),
 * `data-connection` (online | offline | retrying | failed), `data-unsent`
 * (samples not yet acknowledged), `data-recorded` (grid points with a sample),
 * `data-coverage` (their share of the clip, shown against `data-min-coverage`).
 * Events: `trace-ready` (detail `{resumeAt}`: where the recording stopped) and
 * `trace-change` (the grid changed; read `grid`).
 */

const STYLE = `
:host { display: block; font: 0.875rem/1.4 system-ui, sans-serif; }
.pad {
  position: relative; width: 100%; aspect-ratio: 1; max-width: 260px; box-sizing: border-box;
  border: 1px solid #8c959f; border-radius: 6px; cursor: crosshair; touch-action: none;
  background:
    linear-gradient(#d0d7de, #d0d7de) center / 1px 100% no-repeat,
    linear-gradient(#d0d7de, #d0d7de) center / 100% 1px no-repeat,
    #f6f8fa;
}
.pad:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
.pad.live { border-color: #cf222e; box-shadow: 0 0 0 2px #ffebe9; }
.dot {
  position: absolute; width: 14px; height: 14px; margin: -7px 0 0 -7px; border-radius: 50%;
  background: #0969da; border: 2px solid #fff; box-shadow: 0 0 0 1px #0969da; pointer-events: none;
}
.axis { position: absolute; font-size: 0.75rem; color: #57606a; pointer-events: none; }
.x-lo { left: 4px; top: 50%; } .x-hi { right: 4px; top: 50%; text-align: right; }
.y-hi { top: 2px; left: 50%; padding-left: 4px; } .y-lo { bottom: 2px; left: 50%; padding-left: 4px; }
p { margin: 0.35rem 0; }
.status { padding: 0.3rem 0.5rem; border-radius: 4px; background: #dafbe1; color: #116329; font-weight: 600; }
.status.unsent { background: #fff8c5; color: #6f4e00; }
.status.offline, .status.failed { background: #cf222e; color: #fff; }
.coverage.low { color: #9a6700; font-weight: 600; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
label { display: inline-flex; gap: 0.35rem; align-items: center; }
input:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
`;

/** The server's default (annotation/schema.py) for configs that do not say. */
const DEFAULT_MIN_COVERAGE = 0.9;

/** A share as a whole percentage, rounded down: 89.6 % must not read as the 90 % asked for. */
export function coveragePercent(share: number): string {
  return `${Math.floor(share * 100 + 1e-9)}%`;
}

export type RecorderState = "loading" | "waiting" | "ready" | "finalised" | "error";

interface Session {
  info: TraceInfo;
  rate: number;
  dims: Dimension[];
  sampler: MediaSampler;
  builder: ChunkBuilder;
  grid: TraceGrid;
  uploader: TraceUploader;
  store: ChunkStore;
}

/** IndexedDB can be unavailable (private windows, disabled storage): samples are still sent. */
const NO_STORE: ChunkStore = {
  put: () => Promise.reject(new Error("IndexedDB unavailable")),
  markAcked: () => Promise.resolve(),
  load: () => Promise.resolve([]),
  clear: () => Promise.resolve(),
};

export class TraceRecorderElement extends HTMLElement {
  readonly #root = this.attachShadow({ mode: "open" });
  readonly #pad = document.createElement("div");
  readonly #dot = document.createElement("div");
  readonly #valueText = document.createElement("p");
  readonly #status = document.createElement("p");
  readonly #coverage = document.createElement("p");
  readonly #announce = document.createElement("span");
  readonly #armed = document.createElement("input");
  #session: Session | null = null;
  #video: HTMLMediaElement | null = null;
  #value: PadValue = [0, 0];
  #fromGamepad = false;
  #raf = 0;
  #lastConnection = "";
  #abort = new AbortController();
  #api = new ApiClient("/api/", "");

  constructor() {
    super();
    const style = document.createElement("style");
    style.textContent = STYLE;
    this.#pad.className = "pad";
    this.#pad.tabIndex = 0;
    this.#pad.setAttribute("role", "application");
    this.#pad.setAttribute("aria-roledescription", gettext("two-dimensional pad"));
    this.#pad.setAttribute("aria-describedby", "value");
    this.#dot.className = "dot";
    this.#valueText.id = "value";
    this.#status.className = "status";
    this.#coverage.className = "coverage";
    this.#announce.className = "sr";
    this.#announce.setAttribute("aria-live", "polite");
    this.#armed.type = "checkbox";
    this.#armed.checked = true;
    const armedLabel = document.createElement("label");
    armedLabel.append(this.#armed, gettext("Record while the clip plays (R)"));
    this.#pad.append(this.#dot);
    this.#root.append(
      style,
      this.#pad,
      this.#valueText,
      armedLabel,
      this.#status,
      this.#coverage,
      this.#announce,
    );
  }

  connectedCallback(): void {
    this.#abort = new AbortController();
    this.#setState("loading");
    this.#api = new ApiClient(this.dataset.api ?? "/api/", this.dataset.csrf ?? "");
    void this.#start().catch((error: unknown) => {
      this.#setState("error");
      this.#status.className = "status failed";
      this.#status.textContent = gettext("The trace cannot be recorded: %(error)s", {
        error: error instanceof Error ? error.message : String(error),
      });
    });
  }

  disconnectedCallback(): void {
    this.#abort.abort();
    cancelAnimationFrame(this.#raf);
    this.#flush();
    this.#session?.uploader.dispose();
  }

  /** The recorded trace on its grid (later recordings win), or null before the start call. */
  get grid(): TraceGrid | null {
    return this.#session?.grid ?? null;
  }

  get dimensions(): readonly Dimension[] {
    return this.#session?.dims ?? [];
  }

  /** How late grid points were read, in media seconds (the sampling jitter). */
  get samplingLag(): LagStats | null {
    return this.#session?.sampler.lag ?? null;
  }

  /** Whether playing records; off lets the annotator replay without overwriting. */
  get recording(): boolean {
    return this.#armed.checked;
  }

  set recording(on: boolean) {
    this.#armed.checked = on;
    this.#onArmedChange();
  }

  /** The share of the clip a trace should cover (the project's trace config). */
  get minCoverage(): number {
    const minimum = Number(this.dataset.minCoverage);
    return Number.isFinite(minimum) ? minimum : DEFAULT_MIN_COVERAGE;
  }

  get unsentSamples(): number {
    const s = this.#session;
    return s ? s.uploader.unsentSamples + s.builder.openSamples : 0;
  }

  /** Every chunk this browser recorded for the trace, acknowledged or not, in sequence order. */
  async recordedChunks(): Promise<TraceChunk[]> {
    const s = this.#session;
    if (!s) return [];
    return (await s.store.load(s.info.id)).map(({ seq, k0, samples }) => ({ seq, k0, samples }));
  }

  /** Resolves once every sample recorded so far is acknowledged by the server. */
  whenSaved(): Promise<void> {
    this.#flush();
    return this.#session?.uploader.whenSaved() ?? Promise.resolve();
  }

  /** Stops recording, waits for the upload, and finalises the trace on the server. */
  async finalise(): Promise<TraceInfo> {
    const s = this.#requireSession();
    if (s.info.status === "finalised") return s.info;
    this.recording = false;
    await this.whenSaved();
    s.info = await this.#api.post<TraceInfo>(`traces/${s.info.id}/finalise/`, {
      allow_gaps: false,
    });
    this.#setState("finalised");
    await s.store.clear(s.info.id).catch(() => undefined);
    this.#render();
    return s.info;
  }

  async #start(): Promise<void> {
    const url = this.dataset.traceUrl;
    if (!url) throw new Error("no data-trace-url");
    const video = document.getElementById(this.dataset.media ?? "");
    if (!(video instanceof HTMLMediaElement))
      throw new Error(`no media element #${this.dataset.media ?? ""}`);
    this.#video = video;
    if (!(await this.#hold(url, true))) {
      this.#setState("waiting");
      this.#status.className = "status unsent";
      this.#status.textContent = gettext(
        "This trace is being recorded in another tab of this browser: this tab takes over when that one is closed.",
      );
      if (!(await this.#hold(url, false))) return; // this element went away while waiting
      this.#setState("loading");
    }
    const info = await this.#api.post<TraceInfo & ServerTrace>(url, { restart: false });
    // The trace keeps the config it began with; the attributes only fill what it lacks.
    const config: TraceConfig = { ...this.#configFromAttributes(), ...info.config };
    const rate = config.rate_hz;
    const dims = config.dimensions;
    const duration = Number.parseFloat(this.dataset.duration ?? "") || video.duration || 0;
    const [store, held] = await Promise.all([
      IndexedDbChunkStore.open().catch(() => NO_STORE),
      this.#serverSamples(info),
    ]);
    const local = await store.load(info.id);
    const grid = new TraceGrid({
      rateHz: rate,
      durationSeconds: duration,
      dimensions: dims.length,
    });
    mergeTrace(grid, info, held, local);
    const queue = new UploadQueue(info.acked_seq);
    const signal = this.#abort.signal;
    const uploader = new TraceUploader({
      traceId: info.id,
      store,
      queue,
      send: (chunks) =>
        this.#api.post<Ack>(`traces/${info.id}/chunks/`, {
          chunks: chunks.map((c) => chunkBody(c, rate)),
        }),
      isOnline: () => navigator.onLine,
      onChange: () => this.#render(),
    });
    const sampler = new MediaSampler(rate);
    sampler.jumpTo(video.currentTime);
    this.#session = {
      info,
      rate,
      dims,
      sampler,
      builder: new ChunkBuilder({
        samplesPerChunk: Math.max(1, Math.round(rate * (config.chunk_seconds ?? 1))),
        nextSeq: nextSeq(info, local),
      }),
      grid,
      uploader,
      store,
    };
    this.#value = centre(dims);
    this.#labelAxes(dims);
    uploader.restore(local);
    if (info.status === "finalised") {
      this.#setState("finalised");
      this.#armed.checked = false;
    } else {
      this.#setState("ready");
    }
    this.#listen(video, signal);
    this.#raf = requestAnimationFrame(this.#frame);
    this.#render();
    this.dispatchEvent(
      new CustomEvent("trace-ready", { detail: { resumeAt: resumeAt(info, local, rate) } }),
    );
    this.#changed();
  }

  #configFromAttributes(): TraceConfig {
    return {
      rate_hz: Number.parseFloat(this.dataset.rate ?? "") || 25,
      dimensions: JSON.parse(this.dataset.dimensions ?? "[]") as Dimension[],
      chunk_seconds: Number.parseFloat(this.dataset.chunkSeconds ?? "") || 1,
    };
  }

  /**
   * What the server holds of the trace (another browser may have recorded it),
   * or null when it has nothing or cannot be read now: then this browser's copy
   * is all there is to show.
   */
  async #serverSamples(info: TraceInfo & ServerTrace): Promise<ServerSamples | null> {
    if (info.status !== "finalised" && (info.max_seq ?? 0) < 0) return null;
    return this.#api.get<ServerSamples>(`traces/${info.id}/samples/`).catch(() => null);
  }

  #listen(video: HTMLMediaElement, signal: AbortSignal): void {
    const on = (target: EventTarget, type: string, fn: (e: Event) => void): void =>
      target.addEventListener(type, fn, { signal });
    // A seek starts a new run of samples: close the chunk and skip the stretch.
    on(video, "seeking", () => {
      this.#flush();
      this.#session?.sampler.jumpTo(video.currentTime);
    });
    on(video, "seeked", () => this.#session?.sampler.jumpTo(video.currentTime));
    // The last frames before a pause or the end are sampled before the chunk closes.
    const stop = (): void => {
      this.#advance();
      this.#flush();
    };
    on(video, "pause", stop);
    on(video, "ended", stop);
    // timeupdate keeps sampling where animation frames stop (a hidden tab).
    on(video, "timeupdate", () => this.#tick());
    on(window, "online", () => this.#session?.uploader.retryNow());
    on(window, "offline", () => this.#render());
    on(document, "visibilitychange", () => document.hidden && this.#flush());
    on(window, "pagehide", () => this.#flush());
    on(window, "beforeunload", (e) => {
      if (this.unsentSamples > 0) {
        e.preventDefault();
        (e as BeforeUnloadEvent).returnValue = "";
      }
    });
    on(this.#armed, "change", () => this.#onArmedChange());
    on(this.#pad, "pointermove", (e) => this.#pointer(e as PointerEvent));
    on(this.#pad, "pointerdown", (e) => {
      this.#pad.setPointerCapture((e as PointerEvent).pointerId);
      this.#pointer(e as PointerEvent);
    });
    on(this.#pad, "keydown", (e) => {
      const k = e as KeyboardEvent;
      if (k.ctrlKey || k.metaKey || k.altKey) return;
      const next = nudge(this.#value, k.key, k.shiftKey, this.#session?.dims ?? []);
      if (!next) return;
      // Arrows on the pad move the point; elsewhere they seek.
      k.preventDefault();
      k.stopPropagation();
      this.#setValue(next, false);
    });
  }

  readonly #frame = (): void => {
    this.#tick();
    this.#raf = requestAnimationFrame(this.#frame);
  };

  #tick(): void {
    this.#pollGamepad();
    const video = this.#video;
    if (!video || video.paused) return;
    this.#advance();
  }

  /** Emits the grid points the media passed since the last tick. */
  #advance(): void {
    const s = this.#session;
    const video = this.#video;
    if (!s || !video) return;
    const t = video.currentTime;
    if (video.seeking || !this.#live) {
      s.sampler.jumpTo(t);
      return;
    }
    const { from, to } = s.sampler.advanceTo(t);
    const end = Math.min(to, s.grid.length);
    for (let k = from; k < end; k++) {
      s.grid.put(k, s.builder.nextSeq, this.#value);
      for (const chunk of s.builder.add(k, this.#value)) void s.uploader.add(chunk);
    }
    if (end > from) this.#changed();
  }

  get #live(): boolean {
    return this.#armed.checked && this.#session?.info.status === "recording";
  }

  #flush(): void {
    const s = this.#session;
    const chunk = s?.builder.flush();
    if (s && chunk) void s.uploader.add(chunk);
  }

  #onArmedChange(): void {
    if (!this.#armed.checked) this.#flush();
    if (this.#video) this.#session?.sampler.jumpTo(this.#video.currentTime);
    this.#render();
  }

  #pointer(e: PointerEvent): void {
    const box = this.#pad.getBoundingClientRect();
    this.#setValue(
      valueAtPoint(
        e.clientX - box.left,
        e.clientY - box.top,
        box.width,
        box.height,
        this.#session?.dims ?? [],
      ),
      false,
    );
  }

  #pollGamepad(): void {
    const dims = this.#session?.dims;
    if (!dims || !navigator.getGamepads) return;
    const pad = navigator.getGamepads().find((g) => g?.connected && g.axes.length >= 2);
    if (!pad) return;
    const { value, active } = valueFromStick(pad.axes[0]!, pad.axes[1]!, dims);
    // A stick at rest leaves the value to the mouse and keys, unless the stick set it.
    if (active || this.#fromGamepad) this.#setValue(value, active);
  }

  #setValue(value: PadValue, fromGamepad: boolean): void {
    this.#fromGamepad = fromGamepad;
    if (value.every((v, i) => v === this.#value[i])) return;
    this.#value = value;
    this.#renderValue();
  }

  #requireSession(): Session {
    if (!this.#session) throw new Error(gettext("the trace has not started"));
    return this.#session;
  }

  #changed(): void {
    this.setAttribute("data-recorded", String(this.#session?.grid.recorded ?? 0));
    this.#render();
    this.dispatchEvent(new CustomEvent("trace-change"));
  }

  /** Holds the browser-wide lock of this trace until the element goes away; `ifAvailable`:
   * false at once when another tab holds it, else waits for it. True once held. */
  #hold(url: string, ifAvailable: boolean): Promise<boolean> {
    const locks = globalThis.navigator?.locks;
    if (!locks) return Promise.resolve(true); // no Web Locks: one tab is left to the user
    const signal = this.#abort.signal;
    return new Promise((resolve) => {
      const options = ifAvailable ? { ifAvailable } : { signal };
      locks
        .request(`trace-recorder ${new URL(url, location.href).pathname}`, options, (lock) => {
          resolve(lock !== null);
          if (!lock || signal.aborted) return undefined;
          return new Promise<void>((release) =>
            signal.addEventListener("abort", () => release(), { once: true }),
          );
        })
        .catch(() => resolve(false)); // aborted while waiting
    });
  }

  #setState(state: RecorderState): void {
    this.setAttribute("data-state", state);
  }

  /** data-language (Django's LANGUAGE_CODE), else the page's language. */
  get #lang(): Lang {
    return this.dataset.language ? langOf(this.dataset.language) : pageLanguage();
  }

  #labelAxes(dims: readonly Dimension[]): void {
    const lang = this.#lang;
    const title = (d: Dimension | undefined): string =>
      d?.title?.[lang] ?? d?.title?.en ?? d?.name ?? "";
    const [x, y] = dims;
    const axes: [string, string][] = [
      ["x-lo", `− ${title(x)}`],
      ["x-hi", `${title(x)} +`],
      ["y-hi", `${title(y)} +`],
      ["y-lo", `${title(y)} −`],
    ];
    for (const [cls, text] of axes) {
      const span = document.createElement("span");
      span.className = `axis ${cls}`;
      span.textContent = text;
      span.setAttribute("aria-hidden", "true");
      this.#pad.append(span);
    }
    this.#pad.setAttribute(
      "aria-label",
      gettext(
        "%(x)s and %(y)s pad: move the mouse over it, or use the arrow keys (Shift: larger steps, Home: centre)",
        { x: title(x), y: title(y) },
      ),
    );
  }

  #renderValue(): void {
    const dims = this.#session?.dims ?? [];
    const [x, y] = dims;
    if (x) this.#dot.style.left = `${toUnit(this.#value[0] ?? 0, x) * 100}%`;
    if (y) this.#dot.style.top = `${(1 - toUnit(this.#value[1] ?? 0, y)) * 100}%`;
    const lang = this.#lang;
    this.#valueText.textContent = dims
      .map(
        (d, i) =>
          `${d.title?.[lang] ?? d.title?.en ?? d.name} ${(this.#value[i] ?? 0).toFixed(2)}`,
      )
      .join(" · ");
  }

  #render(): void {
    const s = this.#session;
    if (!s) return;
    this.#renderValue();
    const unsent = this.unsentSamples;
    const connection = navigator.onLine ? s.uploader.connection : "offline";
    this.setAttribute("data-unsent", String(unsent));
    this.setAttribute("data-connection", connection);
    this.#pad.classList.toggle("live", this.#live && !(this.#video?.paused ?? true));
    const seconds = (unsent / s.rate).toFixed(1);
    let text: string;
    if (s.info.status === "finalised") text = gettext("Trace finalised: every sample is saved.");
    else if (connection === "failed")
      text = gettext("Not saved: %(error)s. %(seconds)s s kept in this browser.", {
        error: s.uploader.error ?? gettext("upload refused"),
        seconds,
      });
    else if (connection === "offline")
      text = ngettext(
        "Offline: %(seconds)s s (%(count)s sample) not saved yet, kept in this browser.",
        "Offline: %(seconds)s s (%(count)s samples) not saved yet, kept in this browser.",
        unsent,
        { seconds },
      );
    else if (unsent > 0 && connection === "retrying")
      text = ngettext(
        "Unsaved: %(seconds)s s (%(count)s sample), retrying.",
        "Unsaved: %(seconds)s s (%(count)s samples), retrying.",
        unsent,
        { seconds },
      );
    else if (unsent > 0)
      text = ngettext(
        "Unsaved: %(seconds)s s (%(count)s sample).",
        "Unsaved: %(seconds)s s (%(count)s samples).",
        unsent,
        { seconds },
      );
    else
      text = gettext("All samples saved (%(seconds)s s recorded).", {
        seconds: (s.grid.recorded / s.rate).toFixed(1),
      });
    if (s.uploader.notBackedUp)
      text = gettext("%(status)s No local backup in this browser.", { status: text });
    this.#status.textContent = text;
    const coverage = s.grid.coverage;
    this.setAttribute("data-coverage", coverage.toFixed(4));
    this.#coverage.textContent = gettext(
      "Traced: %(share)s of the clip (the project asks for at least %(minimum)s).",
      { share: coveragePercent(coverage), minimum: coveragePercent(this.minCoverage) },
    );
    this.#coverage.classList.toggle("low", coverage < this.minCoverage);
    this.#status.className = `status ${connection === "offline" || connection === "failed" ? connection : unsent > 0 ? "unsent" : "saved"}`;
    if (connection !== this.#lastConnection) {
      this.#lastConnection = connection;
      this.#announce.textContent =
        connection === "offline"
          ? gettext("Offline: the trace is kept in this browser and sent when the network returns.")
          : connection === "failed"
            ? text
            : "";
    }
  }
}
