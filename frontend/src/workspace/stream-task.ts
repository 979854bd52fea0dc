import type { LabelFormElement } from "../elements/label-form";
import type { SegmentTimelineElement } from "../elements/segment-timeline";
import { coveragePercent, type TraceRecorderElement } from "../elements/trace-recorder";
import { gettext } from "../i18n";
import {
  bilingualText,
  type Choices,
  choicesFrom,
  layerTitle,
  listText,
  missing,
  options,
  segmentLayers,
} from "../model/labels";
import { formatTime } from "../model/playback";
import {
  createSegment,
  normaliseSegments,
  resizeSegment,
  type Segment,
  withLabels,
} from "../model/segments";
import { isSegmentAction, segmentKey } from "../model/segment-keys";
import type { Action } from "../model/shortcuts";
import { speakerLine } from "./static-task";
import { el, playerFor, type Task, type TaskContext } from "./task";

interface SegmentLabels {
  readonly choices: Choices;
  readonly text: Readonly<Record<string, string>>;
}

type Seg = Segment<SegmentLabels>;

const EMPTY: SegmentLabels = { choices: {}, text: {} };

/**
 * A streaming clip: utterance segments on the timeline, each labelled, and the
 * valence/arousal trace recorded while the video plays (not where `ctx.traceUrl` is null:
 * a correction changes the segments and keeps the trace as submitted).
 */
export function streamTask(ctx: TaskContext): Task {
  const { clip, project } = ctx;
  const schema = project.label_schema;
  const layers = segmentLayers(schema);
  const textFields = schema.segments?.text_fields ?? [];
  const duration = clip.duration_s ?? 0;
  const bounds = { duration, minLength: 0.2 };
  const primary = layers.find((l) => l.type === "single");
  let segments = initialSegments();
  let selected = segments.length > 0 ? 0 : -1;

  const player = playerFor(ctx);
  const recorder = ctx.traceUrl === null ? null : traceRecorder(ctx, ctx.traceUrl);
  const timeline = el("segment-timeline", {
    "data-duration": String(duration),
    "data-waveform": clip.waveform_url ?? undefined,
    "data-language": ctx.lang,
  }) as SegmentTimelineElement;
  const form = el("label-form", {
    "aria-label": gettext("Labels for the selected segment"),
  }) as LabelFormElement;
  form.lang = ctx.lang;
  form.layers = layers;
  const heading = el("h3");
  const reference = el("p", { class: "transcript", lang: clip.language });
  const texts = new Map(
    textFields.map((name) => [
      name,
      el("textarea", { rows: "2", name, lang: clip.language }) as HTMLTextAreaElement,
    ]),
  );
  const tools = el("div", { class: "segment-tools" });
  const editor = el(
    "section",
    { class: "segment-editor", "aria-label": gettext("Selected segment") },
    heading,
    reference,
    tools,
    el(
      "div",
      { class: "segment-fields" },
      form,
      el(
        "div",
        { class: "cues" },
        ...[...texts].map(([name, area]) => el("label", {}, fieldTitle(name), area)),
      ),
    ),
  );
  const lines = clip.segments.map((s) =>
    el(
      "li",
      { "data-start": String(s.start_s) },
      el("button", { type: "button", class: "time" }, formatTime(s.start_s)),
      " ",
      s.text,
    ),
  );
  const transcript = el(
    "ol",
    {
      class: "reference-lines",
      lang: clip.language,
      "aria-label": gettext("Reference transcript"),
    },
    ...lines,
  );
  const root = el(
    "div",
    { class: "task stream" },
    el(
      "div",
      { class: "stream-top" },
      el(
        "section",
        { class: "media", "aria-label": gettext("Clip") },
        player,
        el("h2", {}, clip.title || clip.external_id),
        speakerLine(clip.speaker),
      ),
      el(
        "section",
        { class: "trace-panel", "aria-label": gettext("Valence and arousal trace") },
        el("h3", {}, gettext("Trace")),
        recorder ??
          el("p", { class: "trace-kept" }, gettext("The trace stays as you recorded it.")),
      ),
      el(
        "section",
        { class: "transcript-panel", "aria-label": gettext("Transcript") },
        el("h3", {}, gettext("Transcript")),
        transcript.childElementCount ? transcript : clip.transcript,
      ),
    ),
    timeline,
    editor,
  );

  const button = (text: string, fn: () => void): HTMLButtonElement => {
    const b = el("button", { type: "button" }, text);
    b.addEventListener("click", fn);
    return b;
  };
  tools.append(
    button(gettext("Split at playhead (S)"), () => apply({ name: "segment-split" })),
    button(gettext("Merge with next (M)"), () => apply({ name: "segment-merge" })),
    button(gettext("Delete (Del)"), () => apply({ name: "segment-delete" })),
    button(gettext("Play from start"), () => {
      const s = segments[selected];
      if (s) {
        player.seekTo(s.start);
        void player.video.play().catch(() => undefined);
      }
    }),
  );

  function initialSegments(): Seg[] {
    const draft = ctx.labels?.segments;
    const raw: Seg[] = Array.isArray(draft)
      ? draft.flatMap((d: unknown) => {
          const s = d as Record<string, unknown>;
          if (typeof s.start !== "number" || typeof s.end !== "number") return [];
          const text = Object.fromEntries(
            textFields.filter((f) => typeof s[f] === "string").map((f) => [f, s[f] as string]),
          );
          return [
            { start: s.start, end: s.end, labels: { choices: choicesFrom(layers, s), text } },
          ];
        })
      : clip.segments.map((s) => ({ start: s.start_s, end: s.end_s, labels: EMPTY }));
    return normaliseSegments(raw, bounds);
  }

  function describe(i: number): { text: string; labelled: boolean } {
    const choices = segments[i]?.labels.choices ?? {};
    const value = primary ? choices[primary.name] : undefined;
    const label =
      primary && typeof value === "string"
        ? options(primary).find((l) => l.value === value)
        : undefined;
    return {
      text: label ? bilingualText(label, ctx.lang) : "",
      labelled: missing(layers, choices).length === 0,
    };
  }

  function update(next: Seg[], index: number): void {
    segments = next;
    select(index);
    ctx.onChange();
  }

  function select(index: number): void {
    selected = Math.min(segments.length - 1, Math.max(-1, index));
    timeline.segments = segments;
    timeline.selected = selected;
    renderEditor();
  }

  function renderEditor(): void {
    const s = segments[selected];
    editor.toggleAttribute("data-empty", !s);
    form.missing = [];
    if (!s) {
      heading.textContent = gettext("No segment selected");
      reference.textContent = gettext(
        "Add one at the playhead with A, or drag on an empty stretch of the timeline.",
      );
      return;
    }
    heading.textContent = gettext("Segment %(number)s of %(total)s · %(start)s – %(end)s", {
      number: selected + 1,
      total: segments.length,
      start: formatTime(s.start),
      end: formatTime(s.end),
    });
    reference.textContent = clip.segments
      .filter((r) => r.start_s < s.end && r.end_s > s.start)
      .map((r) => r.text)
      .join(" ");
    form.value = s.labels.choices;
    for (const [name, area] of texts) area.value = s.labels.text[name] ?? "";
  }

  function setLabels(labels: SegmentLabels): void {
    if (selected < 0) return;
    segments = withLabels(segments, selected, labels);
    timeline.segments = segments;
    ctx.onChange();
  }

  form.addEventListener("choices-change", () => {
    const s = segments[selected];
    if (s) setLabels({ ...s.labels, choices: form.value });
  });
  for (const [name, area] of texts) {
    area.addEventListener("input", () => {
      const s = segments[selected];
      if (s) setLabels({ ...s.labels, text: { ...s.labels.text, [name]: area.value } });
    });
  }
  timeline.describe = describe;
  timeline.addEventListener("timeline-seek", (e) =>
    player.seekTo((e as CustomEvent<{ time: number }>).detail.time),
  );
  timeline.addEventListener("timeline-select", (e) =>
    select((e as CustomEvent<{ index: number }>).detail.index),
  );
  timeline.addEventListener("timeline-create", (e) => {
    const { start, end } = (e as CustomEvent<{ start: number; end: number }>).detail;
    const edit = createSegment(segments, start, end, EMPTY, bounds);
    if (edit) update(edit.segments, edit.index);
    else ctx.say(gettext("No room for a segment there: segments cannot overlap."), true);
  });
  timeline.addEventListener("timeline-resize", (e) => {
    const { index, edge, time } = (
      e as CustomEvent<{ index: number; edge: "start" | "end"; time: number }>
    ).detail;
    const edit = resizeSegment(segments, index, edge, time, bounds);
    if (edit) update(edit.segments, edit.index);
  });
  transcript.addEventListener("click", (e) => {
    const line = (e.target as HTMLElement).closest("li");
    if (line) player.seekTo(Number(line.dataset.start));
  });
  recorder?.addEventListener("trace-change", () => timeline.traceChanged());
  recorder?.addEventListener("trace-ready", (e) => {
    timeline.setTrace(recorder.grid, recorder.dimensions);
    const { resumeAt } = (e as CustomEvent<{ resumeAt: number }>).detail;
    if (resumeAt > 0.5 && resumeAt < duration - 0.5 && player.video.currentTime < 0.1) {
      player.seekTo(resumeAt);
      ctx.say(
        gettext("Resumed at %(time)s, where your recording stopped.", {
          time: formatTime(resumeAt),
        }),
      );
    }
  });

  // The playhead and the current transcript line follow the video.
  let raf = 0;
  let shown = -1;
  const follow = (): void => {
    const t = player.video.currentTime;
    if (t !== shown) {
      shown = t;
      timeline.time = t;
      for (const line of lines) {
        const start = Number(line.dataset.start);
        const ref = clip.segments.find((r) => r.start_s === start);
        line.classList.toggle("current", !!ref && ref.start_s <= t && t < ref.end_s);
      }
    }
    raf = requestAnimationFrame(follow);
  };
  raf = requestAnimationFrame(follow);
  queueMicrotask(() => select(selected));

  function apply(action: Action): boolean {
    if (isSegmentAction(action)) {
      const edit = segmentKey(action, {
        segments,
        selected,
        time: player.video.currentTime,
        bounds,
        empty: EMPTY,
        merge: (a, b) => (Object.keys(a.choices).length ? a : b),
      });
      if (!edit.ok) ctx.say(edit.message, true);
      else {
        if (action.name === "segment-select") select(edit.index); // not a change to save
        else update(edit.segments, edit.index);
        ctx.say(edit.message);
      }
      return true;
    }
    switch (action.name) {
      case "primary":
      case "primary-unsure":
      case "intensity":
      case "filter-secondary":
        if (selected < 0) {
          ctx.say(gettext("Select a segment first (N / P, or click it on the timeline)."), true);
        } else form.applyShortcut(action);
        return true;
      case "zoom":
        timeline.zoom(action.factor);
        return true;
      case "record-toggle":
        if (!recorder) {
          ctx.say(gettext("The trace is not corrected here: only the segments are."), true);
          return true;
        }
        recorder.recording = !recorder.recording;
        ctx.say(
          recorder.recording
            ? gettext("Recording the trace while the video plays.")
            : gettext("Trace recording is off."),
        );
        return true;
      default:
        return false;
    }
  }

  return {
    mode: "stream",
    root,
    player,
    payload: () => ({
      segments: segments.map((s) => ({
        start: s.start,
        end: s.end,
        ...s.labels.choices,
        ...Object.fromEntries(Object.entries(s.labels.text).filter(([, v]) => v.trim() !== "")),
      })),
    }),
    problem() {
      // First: this tab cannot finish the clip while another tab records its trace.
      if (recorder?.dataset.state === "waiting")
        return gettext(
          "This clip's trace is being recorded in another tab: submit there, or close that tab.",
        );
      if (segments.length === 0)
        return gettext("Add at least one segment (A at the playhead, or drag on the timeline).");
      const index = segments.findIndex((s) => missing(layers, s.labels.choices).length > 0);
      if (index >= 0) {
        select(index);
        const gaps = missing(layers, segments[index]!.labels.choices);
        form.missing = gaps.map((l) => l.name);
        return gettext("Segment %(number)s still needs: %(layers)s.", {
          number: index + 1,
          layers: listText(gaps.map((l) => layerTitle(l, ctx.lang))),
        });
      }
      if (!recorder) return null;
      // The recorder's grid is the server's trace merged with this browser's copy; null until
      // both are loaded.
      if (!recorder.grid && recorder.dataset.state === "loading")
        return gettext("The trace is still loading: submit again in a moment.");
      if ((recorder.grid?.recorded ?? 0) === 0) {
        return gettext(
          "Record the valence/arousal trace first: play the video with the pointer on the pad.",
        );
      }
      return null;
    },
    confirmation() {
      if (!recorder) return null;
      const coverage = recorder.grid?.coverage ?? 0;
      if (coverage >= recorder.minCoverage) return null;
      return gettext(
        "Only %(share)s of the clip is traced; the project asks for at least %(minimum)s. Submit anyway?",
        { share: coveragePercent(coverage), minimum: coveragePercent(recorder.minCoverage) },
      );
    },
    async prepare() {
      if (!recorder) return;
      if (recorder.unsentSamples > 0) ctx.say(gettext("Sending the rest of the trace…"));
      await recorder.finalise();
    },
    apply,
    showField(field: string) {
      const match = /^segments\[(\d+)\]\.?(\w+)?/.exec(field);
      if (!match) return;
      select(Number(match[1]));
      if (match[2]) form.missing = [match[2]];
    },
    dispose() {
      cancelAnimationFrame(raf);
    },
  };
}

/** A segment text field's heading: the default schema's fields translated, others from the name. */
function fieldTitle(name: string): string {
  switch (name) {
    case "audio_cues":
      return gettext("Audio cues");
    case "visual_cues":
      return gettext("Visual cues");
    case "evidence":
      return gettext("Evidence");
  }
  const words = name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function traceRecorder(ctx: TaskContext, url: string): TraceRecorderElement {
  const config = ctx.project.trace_config;
  return el("trace-recorder", {
    "data-trace-url": url,
    "data-api": ctx.api,
    "data-csrf": ctx.csrf,
    "data-media": ctx.mediaId,
    "data-duration": String(ctx.clip.duration_s ?? 0),
    "data-rate": String(config.rate_hz),
    "data-chunk-seconds": String(config.chunk_seconds ?? 1),
    "data-dimensions": JSON.stringify(config.dimensions),
    "data-min-coverage": config.min_coverage === undefined ? undefined : String(config.min_coverage),
    "data-language": ctx.lang,
  }) as TraceRecorderElement;
}
