import { followMedia } from "../elements/media-clock";
import { coveragePercent, type TraceRecorderElement } from "../elements/trace-recorder";
import { gettext } from "../i18n";
import { choicesFrom, missing } from "../layers/registry";
import { layerTitle, listText, segmentLayers } from "../model/labels";
import { formatTime } from "../model/playback";
import { boundsFor, EMPTY_LABELS, type LabelledSegment } from "../model/segment-labels";
import { normaliseSegments } from "../model/segments";
import type { Action } from "../model/shortcuts";
import { speakerLine } from "./static-task";
import { el, playerFor, type Task, type TaskContext } from "./task";

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
  const bounds = boundsFor(duration);

  const player = playerFor(ctx);
  const recorder = ctx.traceUrl === null ? null : traceRecorder(ctx, ctx.traceUrl);
  const editor = el("segment-editor");
  editor.configure({
    lang: ctx.lang,
    layers,
    duration,
    waveformUrl: clip.waveform_url,
    player,
    segments: initialSegments(),
    textFields: textFields.map((name) => ({ name, title: fieldTitle(name) })),
    clipLanguage: clip.language,
    reference: (s) =>
      clip.segments
        .filter((r) => r.start_s < s.end && r.end_s > s.start)
        .map((r) => r.text)
        .join(" "),
    context: "task",
    selectFirst: gettext("Select a segment first (N / P, or click it on the timeline)."),
    say: ctx.say,
  });
  editor.addEventListener("segments-change", () => ctx.onChange());
  const { timeline } = editor;
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
    editor,
  );

  function initialSegments(): LabelledSegment[] {
    const draft = ctx.labels?.segments;
    const raw: LabelledSegment[] = Array.isArray(draft)
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
      : clip.segments.map((s) => ({ start: s.start_s, end: s.end_s, labels: EMPTY_LABELS }));
    return normaliseSegments(raw, bounds);
  }

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
  const stopFollowing = followMedia(player.video, (t) => {
    editor.setTime(t);
    for (const line of lines) {
      const start = Number(line.dataset.start);
      const ref = clip.segments.find((r) => r.start_s === start);
      line.classList.toggle("current", !!ref && ref.start_s <= t && t < ref.end_s);
    }
  });

  function apply(action: Action): boolean {
    if (editor.apply(action)) return true;
    switch (action.name) {
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
      segments: editor.segments.map((s) => ({
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
      const { segments } = editor;
      if (segments.length === 0)
        return gettext("Add at least one segment (A at the playhead, or drag on the timeline).");
      const index = segments.findIndex((s) => missing(layers, s.labels.choices).length > 0);
      if (index >= 0) {
        const gaps = missing(layers, segments[index]!.labels.choices);
        editor.markMissing(
          index,
          gaps.map((l) => l.name),
        );
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
    showField: (field: string) => editor.mark(field),
    dispose: stopFollowing,
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
