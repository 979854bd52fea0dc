import { gettext } from "../i18n";
import { formatTime, frameTarget, seekTarget, stepRate } from "../model/playback";

/**
 * `<clip-player data-src="/media/…/clip.mp4" data-poster="…" data-fps="25"
 *    data-duration="12.3" data-video-id="clip-video"
 *    [data-audio-only data-waveform="/media/…/waveform.json"]>`
 *
 * The clip's `<video>` (in light DOM, so that `<trace-recorder data-media>` can
 * find it by id) with a small control bar: play/pause, position slider, time,
 * playback rate. The keyboard shortcuts call `play()`, `seekBy()`, `stepFrame()`
 * and `stepRate()`; the bar shows their effect.
 *
 * An audio-only clip (a speech corpus) has no picture: the `<video>` still plays
 * it, unseen, and in its place the clip's waveform with a playhead says so.
 */
export class ClipPlayerElement extends HTMLElement {
  readonly video = document.createElement("video");
  readonly #play = document.createElement("button");
  readonly #position = document.createElement("input");
  readonly #clock = document.createElement("span");
  readonly #rate = document.createElement("output");
  readonly #playhead = document.createElement("div");
  #abort = new AbortController();

  connectedCallback(): void {
    this.#abort = new AbortController();
    const signal = this.#abort.signal;
    const video = this.video;
    video.id = this.dataset.videoId ?? "clip-video";
    video.preload = "auto";
    video.playsInline = true;
    video.src = this.dataset.src ?? "";
    if (this.dataset.poster) video.poster = this.dataset.poster;
    video.setAttribute("aria-label", gettext("Clip video: Space plays and pauses"));
    video.addEventListener("click", () => this.toggle(), { signal });

    this.#play.type = "button";
    this.#play.addEventListener("click", () => this.toggle(), { signal });
    this.#position.type = "range";
    this.#position.min = "0";
    this.#position.step = "any";
    this.#position.setAttribute("aria-label", gettext("Position in the clip"));
    this.#position.addEventListener(
      "input",
      () => (video.currentTime = Number(this.#position.value)),
      { signal },
    );
    this.#rate.setAttribute("aria-label", gettext("Playback rate (< slower, > faster)"));
    const bar = document.createElement("div");
    bar.className = "player-bar";
    bar.append(this.#play, this.#position, this.#clock, this.#rate);
    this.replaceChildren(video, bar);
    if (this.hasAttribute("data-audio-only")) this.#showAudioOnly(signal);
    for (const type of [
      "play",
      "pause",
      "timeupdate",
      "seeked",
      "ratechange",
      "loadedmetadata",
      "ended",
    ]) {
      video.addEventListener(type, () => this.#render(), { signal });
    }
    this.#render();
  }

  disconnectedCallback(): void {
    this.#abort.abort();
    this.video.pause();
  }

  get duration(): number {
    const attr = Number.parseFloat(this.dataset.duration ?? "");
    return Number.isFinite(attr) && attr > 0 ? attr : this.video.duration || 0;
  }

  toggle(): void {
    if (this.video.paused) void this.video.play().catch(() => undefined);
    else this.video.pause();
  }

  seekBy(seconds: number): void {
    this.video.currentTime = seekTarget(this.video.currentTime, seconds, this.duration);
  }

  seekTo(t: number): void {
    this.video.currentTime = seekTarget(t, 0, this.duration);
  }

  stepFrame(step: 1 | -1): void {
    this.video.pause();
    const fps = Number.parseFloat(this.dataset.fps ?? "") || 25;
    this.video.currentTime = frameTarget(this.video.currentTime, fps, step, this.duration);
  }

  stepRate(step: 1 | -1): void {
    this.video.playbackRate = stepRate(this.video.playbackRate, step);
  }

  #showAudioOnly(signal: AbortSignal): void {
    const panel = document.createElement("div");
    panel.className = "audio-only";
    const waveform = document.createElement("clip-waveform");
    if (this.dataset.waveform) waveform.dataset.src = this.dataset.waveform;
    if (this.dataset.duration) waveform.dataset.duration = this.dataset.duration;
    this.#playhead.className = "playhead";
    const track = document.createElement("div");
    track.className = "audio-track";
    track.append(waveform, this.#playhead);
    const caption = document.createElement("p");
    caption.textContent = gettext("Audio only: this clip has no picture.");
    panel.append(track, caption);
    panel.addEventListener("click", () => this.toggle(), { signal });
    this.video.after(panel);
  }

  #render(): void {
    const video = this.video;
    this.#play.textContent = video.paused ? gettext("Play") : gettext("Pause");
    this.#play.setAttribute(
      "aria-label",
      video.paused ? gettext("Play (Space)") : gettext("Pause (Space)"),
    );
    this.#position.max = String(this.duration);
    this.#position.value = String(video.currentTime);
    this.#clock.textContent = `${formatTime(video.currentTime)} / ${formatTime(this.duration)}`;
    this.#rate.textContent = `${video.playbackRate}×`;
    const share = this.duration > 0 ? Math.min(1, video.currentTime / this.duration) : 0;
    this.#playhead.style.left = `${(share * 100).toFixed(3)}%`;
    this.toggleAttribute("data-playing", !video.paused);
  }
}
