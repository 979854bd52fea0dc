import { gettext } from "../i18n";
import { columns, parseWaveform, type Waveform } from "../model/waveform";

/**
 * `<clip-waveform data-src="/media/clips/1/waveform.json" data-duration="12.3">`
 *
 * Fetches audiowaveform JSON v2 peaks and draws min/max bars over the whole
 * clip onto a canvas that fills the element (height 64px unless styled; bars
 * use the element's CSS `color`). Reflects progress in `data-state`:
 * `loading` | `ready` | `empty` (clip without audio) | `error`.
 *
 * A zoomed timeline shows part of the clip: `data-view-start` and
 * `data-view-seconds` (seconds) select the window drawn across the width.
 */
export type WaveformState = "loading" | "ready" | "empty" | "error";

const STYLE = `
:host { display: block; position: relative; height: 64px; color: #1f6feb; }
canvas { display: block; width: 100%; height: 100%; }
p {
  position: absolute; inset: 0; margin: 0; padding: 0 0.5em; overflow: hidden;
  display: flex; align-items: center; justify-content: center; text-align: center;
  font: 0.875rem system-ui, sans-serif; color: #57606a;
}
p[hidden] { display: none; }
`;

export class ClipWaveformElement extends HTMLElement {
  static observedAttributes = ["data-src", "data-duration", "data-view-start", "data-view-seconds"];

  readonly #canvas = document.createElement("canvas");
  readonly #message = document.createElement("p");
  readonly #resizeObserver = new ResizeObserver(() => this.#draw());
  #waveform: Waveform | null = null;
  /** data-src of the current or last load; undefined = nothing requested yet. */
  #requestedSrc: string | null | undefined = undefined;
  #abort: AbortController | null = null;

  constructor() {
    super();
    const style = document.createElement("style");
    style.textContent = STYLE;
    this.attachShadow({ mode: "open" }).append(style, this.#canvas, this.#message);
  }

  connectedCallback(): void {
    this.setAttribute("role", "img");
    this.#resizeObserver.observe(this.#canvas);
    this.#load();
  }

  disconnectedCallback(): void {
    this.#resizeObserver.disconnect();
    if (this.#abort) {
      // Interrupted load: start again if the element is reconnected.
      this.#abort.abort();
      this.#abort = null;
      this.#requestedSrc = undefined;
    }
  }

  attributeChangedCallback(name: string): void {
    if (!this.isConnected) return;
    if (name === "data-src") {
      this.#load();
    } else {
      this.#updateLabel();
      this.#draw();
    }
  }

  get state(): WaveformState | null {
    return this.getAttribute("data-state") as WaveformState | null;
  }

  /** data-duration if valid, else the duration covered by the loaded peaks. */
  #duration(): number | null {
    const attr = Number.parseFloat(this.dataset.duration ?? "");
    if (Number.isFinite(attr) && attr >= 0) return attr;
    return this.#waveform?.durationSeconds ?? null;
  }

  #load(): void {
    const src = this.getAttribute("data-src");
    if (src === this.#requestedSrc) return;
    this.#requestedSrc = src;
    this.#abort?.abort();
    this.#abort = null;
    this.#waveform = null;
    if (!src) {
      this.#setState("error", unavailable("no data-src attribute"));
      return;
    }
    const abort = new AbortController();
    this.#abort = abort;
    this.#setState("loading", "");
    void this.#fetch(src, abort.signal).finally(() => {
      if (this.#abort === abort) this.#abort = null;
    });
  }

  async #fetch(src: string, signal: AbortSignal): Promise<void> {
    let waveform: Waveform;
    try {
      const response = await fetch(src, { signal, headers: { Accept: "application/json" } });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        throw new Error(gettext("response is not valid JSON"));
      }
      waveform = parseWaveform(body);
    } catch (error) {
      if (signal.aborted) return;
      const reason = error instanceof Error ? error.message : String(error);
      this.#setState("error", unavailable(reason));
      return;
    }
    if (signal.aborted) return;
    this.#waveform = waveform;
    if (waveform.length === 0) {
      this.#setState("empty", gettext("No audio"));
    } else {
      this.#setState("ready", "");
    }
  }

  #setState(state: WaveformState, message: string): void {
    this.setAttribute("data-state", state);
    this.#message.textContent = message;
    this.#message.hidden = message === "";
    this.#updateLabel();
    this.#draw();
  }

  #updateLabel(): void {
    const duration = this.#duration();
    const state = this.state;
    let label: string;
    if (duration === null) {
      if (state === "empty") label = gettext("Audio waveform, no audio");
      else if (state === "error") label = gettext("Audio waveform, unavailable");
      else label = gettext("Audio waveform");
    } else {
      const seconds = duration.toFixed(1);
      if (state === "empty")
        label = gettext("Audio waveform, %(seconds)s s, no audio", { seconds });
      else if (state === "error")
        label = gettext("Audio waveform, %(seconds)s s, unavailable", { seconds });
      else label = gettext("Audio waveform, %(seconds)s s", { seconds });
    }
    this.setAttribute("aria-label", label);
  }

  #draw(): void {
    const canvas = this.#canvas;
    const dpr = window.devicePixelRatio || 1;
    const box = canvas.getBoundingClientRect();
    // Assigning the size also clears the canvas.
    canvas.width = Math.round(box.width * dpr);
    canvas.height = Math.round(box.height * dpr);
    const ctx = canvas.getContext("2d");
    const waveform = this.#waveform;
    const duration = this.#duration();
    const { width, height } = canvas;
    if (!ctx || !waveform || waveform.length === 0 || !duration || width === 0 || height === 0) {
      return;
    }
    ctx.fillStyle = getComputedStyle(this).color;
    const mid = height / 2;
    const viewStart = finite(this.dataset.viewStart) ?? 0;
    const viewSeconds = finite(this.dataset.viewSeconds) ?? duration;
    if (viewSeconds <= 0) return;
    columns(waveform, viewStart, viewSeconds / width, width).forEach(([min, max], x) => {
      const top = Math.floor(mid - max * mid);
      const bottom = Math.ceil(mid - min * mid);
      ctx.fillRect(x, top, 1, Math.max(1, bottom - top));
    });
  }
}

function unavailable(reason: string): string {
  return gettext("Waveform unavailable: %(reason)s", { reason });
}

function finite(attr: string | undefined): number | null {
  const value = Number.parseFloat(attr ?? "");
  return Number.isFinite(value) ? value : null;
}
