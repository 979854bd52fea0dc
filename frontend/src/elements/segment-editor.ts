import { gettext } from "../i18n";
import { headlineLayer, missing } from "../layers/registry";
import { bilingualText, type Lang, type Layer, options } from "../model/labels";
import { formatTime } from "../model/playback";
import {
  boundsFor,
  EMPTY_LABELS,
  type LabelledSegment,
  mergeLabels,
  type SegmentLabels,
  segmentField,
} from "../model/segment-labels";
import { isSegmentAction, segmentKey } from "../model/segment-keys";
import { createSegment, resizeSegment, withLabels } from "../model/segments";
import { type Action, isLabelAction } from "../model/shortcuts";
import type { ClipPlayerElement } from "./clip-player";
import type { LabelFormElement } from "./label-form";
import type { SegmentTimelineElement } from "./segment-timeline";

export interface SegmentEditorConfig {
  readonly lang: Lang;
  /** The layers labelled per segment. */
  readonly layers: readonly Layer[];
  readonly duration: number | null;
  readonly waveformUrl: string | null;
  readonly player: ClipPlayerElement;
  readonly segments: readonly LabelledSegment[];
  /** Free-text fields edited per segment, with their headings; none for a decision. */
  readonly textFields?: readonly { readonly name: string; readonly title: string }[];
  /** The clip's language, for the text fields and the reference line. */
  readonly clipLanguage?: string;
  /** The reference transcript under the selected segment; none for a decision. */
  readonly reference?: (segment: LabelledSegment) => string;
  /** Where it sits: a task's editor (h3, `.segment-editor`) or a decision's (h4, inside the
   * decision's own h3; `.adj-segment-editor`), so each page's stylesheet applies. */
  readonly context: "task" | "decision";
  /** What to say when a label key is pressed with no segment selected. */
  readonly selectFirst: string;
  readonly say: (message: string, error?: boolean) => void;
}

/**
 * `<segment-editor>`: the one editor of utterance segments, for the annotator's stream task
 * and the adjudicator's decision. A `<segment-timeline>` (drag to create or resize, click to
 * select), the selected segment's heading, the tools (split, merge, delete, play from its
 * start), a `<label-form>` for its layers and its free-text fields; the segment keys of
 * `segmentKey`. Light DOM (`display: contents`): the timeline and the editor lay out in the
 * page's own grid. Every change is announced with `segments-change`.
 */
export class SegmentEditorElement extends HTMLElement {
  readonly timeline = document.createElement("segment-timeline") as SegmentTimelineElement;
  readonly #form = document.createElement("label-form") as LabelFormElement;
  #heading = document.createElement("h3");
  readonly #tools = document.createElement("div");
  readonly #fields = document.createElement("div");
  readonly #reference = document.createElement("p");
  readonly #section = document.createElement("section");
  readonly #texts = new Map<string, HTMLTextAreaElement>();
  #config: SegmentEditorConfig | null = null;
  #segments: LabelledSegment[] = [];
  #selected = -1;

  get segments(): readonly LabelledSegment[] {
    return this.#segments;
  }

  get selected(): number {
    return this.#selected;
  }

  /** Builds the editor; called once, before or after it is connected. */
  configure(config: SegmentEditorConfig): void {
    this.#config = config;
    const decision = config.context === "decision";
    const duration = boundsFor(config.duration).duration;
    this.style.display = "contents";
    this.timeline.dataset.duration = String(duration);
    if (config.waveformUrl) this.timeline.dataset.waveform = config.waveformUrl;
    this.timeline.dataset.language = config.lang;
    this.timeline.describe = (i) => this.#describe(i);

    if (decision) this.#heading = document.createElement("h4");
    this.#form.lang = config.lang;
    this.#form.layers = [...config.layers];
    this.#form.setAttribute(
      "aria-label",
      decision ? gettext("Labels of the selected segment") : gettext("Labels for the selected segment"),
    );
    this.#tools.className = "segment-tools";
    this.#tools.append(
      this.#tool(gettext("Split at playhead (S)"), () => this.apply({ name: "segment-split" })),
      this.#tool(gettext("Merge with next (M)"), () => this.apply({ name: "segment-merge" })),
      this.#tool(gettext("Delete (Del)"), () => this.apply({ name: "segment-delete" })),
      this.#tool(gettext("Play from start"), () => this.#playSelected()),
    );
    this.#fields.className = "segment-fields";
    this.#fields.append(this.#form);
    if (config.textFields?.length) {
      const cues = document.createElement("div");
      cues.className = "cues";
      for (const { name, title } of config.textFields) {
        const area = document.createElement("textarea");
        area.rows = 2;
        area.name = name;
        if (config.clipLanguage) area.lang = config.clipLanguage;
        area.addEventListener("input", () => this.#editText(name, area.value));
        this.#texts.set(name, area);
        const label = document.createElement("label");
        label.append(title, area);
        cues.append(label);
      }
      this.#fields.append(cues);
    }
    this.#section.className = decision ? "segment-editor adj-segment-editor" : "segment-editor";
    this.#section.setAttribute("aria-label", gettext("Selected segment"));
    this.#reference.className = "transcript";
    if (config.clipLanguage) this.#reference.lang = config.clipLanguage;
    this.#section.replaceChildren(this.#heading, this.#reference, this.#tools, this.#fields);
    this.replaceChildren(this.timeline, this.#section);

    this.#form.addEventListener("choices-change", () => {
      const s = this.#segments[this.#selected];
      if (s) this.#setLabels({ ...s.labels, choices: this.#form.value });
      this.#form.missing = [];
    });
    this.timeline.addEventListener("timeline-seek", (e) =>
      config.player.seekTo((e as CustomEvent<{ time: number }>).detail.time),
    );
    this.timeline.addEventListener("timeline-select", (e) =>
      this.select((e as CustomEvent<{ index: number }>).detail.index),
    );
    this.timeline.addEventListener("timeline-create", (e) => {
      const { start, end } = (e as CustomEvent<{ start: number; end: number }>).detail;
      const edit = createSegment(this.#segments, start, end, EMPTY_LABELS, this.#bounds());
      if (edit) this.#update(edit.segments, edit.index);
      else config.say(gettext("No room for a segment there: segments cannot overlap."), true);
    });
    this.timeline.addEventListener("timeline-resize", (e) => {
      const { index, edge, time } = (
        e as CustomEvent<{ index: number; edge: "start" | "end"; time: number }>
      ).detail;
      const edit = resizeSegment(this.#segments, index, edge, time, this.#bounds());
      if (edit) this.#update(edit.segments, edit.index);
    });
    this.#segments = [...config.segments];
    this.#selected = this.#segments.length ? 0 : -1;
    // The timeline lays itself out once connected.
    queueMicrotask(() => this.select(this.#selected));
  }

  /** Replaces the segments (a decision started from someone's labels); selects the first. */
  set(segments: readonly LabelledSegment[]): void {
    this.#update([...segments], 0);
  }

  select(index: number): void {
    this.#selected = Math.min(this.#segments.length - 1, Math.max(-1, index));
    this.timeline.segments = this.#segments;
    this.timeline.selected = this.#selected;
    this.#render();
  }

  /** Selects the segment a server field names and marks its layer. */
  mark(field: string): void {
    const at = segmentField(field);
    if (!at) return;
    this.select(at.index);
    if (at.layer) this.#form.missing = [at.layer];
  }

  /** Selects segment `index` and marks the layers it still needs. */
  markMissing(index: number, layers: readonly string[]): void {
    this.select(index);
    this.#form.missing = [...layers];
  }

  setTime(t: number): void {
    this.timeline.time = t;
  }

  /** A segment key, a label key for the selected segment, or zoom; false if not one of those. */
  apply(action: Action): boolean {
    const config = this.#config;
    if (!config) return false;
    if (isSegmentAction(action)) {
      const edit = segmentKey(action, {
        segments: this.#segments,
        selected: this.#selected,
        time: config.player.video.currentTime,
        bounds: this.#bounds(),
        empty: EMPTY_LABELS,
        merge: mergeLabels,
      });
      if (!edit.ok) config.say(edit.message, true);
      else {
        if (action.name === "segment-select") this.select(edit.index); // not a change
        else this.#update(edit.segments, edit.index);
        config.say(edit.message);
      }
      return true;
    }
    if (action.name === "zoom") {
      this.timeline.zoom(action.factor);
      return true;
    }
    if (!isLabelAction(action)) return false;
    if (this.#selected < 0) config.say(config.selectFirst, true);
    else this.#form.applyShortcut(action);
    return true;
  }

  #bounds() {
    return boundsFor(this.#config?.duration ?? null);
  }

  #tool(text: string, fn: () => void): HTMLButtonElement {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.addEventListener("click", fn);
    return b;
  }

  #playSelected(): void {
    const s = this.#segments[this.#selected];
    if (!s || !this.#config) return;
    this.#config.player.seekTo(s.start);
    void this.#config.player.video.play().catch(() => undefined);
  }

  #describe(i: number): { text: string; labelled: boolean } {
    const config = this.#config;
    const choices = this.#segments[i]?.labels.choices ?? {};
    const primary = headlineLayer(config?.layers ?? []);
    const value = primary ? choices[primary.name] : undefined;
    const label = primary && options(primary).find((l) => l.value === value);
    return {
      text: label && config ? bilingualText(label, config.lang) : "",
      labelled: missing(config?.layers ?? [], choices).length === 0,
    };
  }

  #update(next: LabelledSegment[], index: number): void {
    this.#segments = next;
    this.select(index);
    this.#changed();
  }

  #setLabels(labels: SegmentLabels): void {
    if (this.#selected < 0) return;
    this.#segments = withLabels(this.#segments, this.#selected, labels);
    this.timeline.segments = this.#segments;
    this.#changed();
  }

  #editText(name: string, value: string): void {
    const s = this.#segments[this.#selected];
    if (s) this.#setLabels({ ...s.labels, text: { ...s.labels.text, [name]: value } });
  }

  #changed(): void {
    this.dispatchEvent(new CustomEvent("segments-change", { bubbles: true }));
  }

  #render(): void {
    const s = this.#segments[this.#selected];
    // With no segment there is nothing to edit (the stylesheet hides the tools and fields).
    this.#section.toggleAttribute("data-empty", !s);
    this.#form.missing = [];
    if (!s) {
      this.#heading.textContent = gettext("No segment selected");
      this.#reference.textContent = gettext(
        "Add one at the playhead with A, or drag on an empty stretch of the timeline.",
      );
      return;
    }
    this.#heading.textContent = gettext(
      "Segment %(number)s of %(total)s · %(start)s – %(end)s",
      {
        number: this.#selected + 1,
        total: this.#segments.length,
        start: formatTime(s.start),
        end: formatTime(s.end),
      },
    );
    this.#reference.textContent = this.#config?.reference?.(s) ?? "";
    this.#form.value = s.labels.choices;
    for (const [name, area] of this.#texts) area.value = s.labels.text[name] ?? "";
  }
}
