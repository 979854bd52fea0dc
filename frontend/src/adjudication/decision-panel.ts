import type { Project } from "../api/types";
import type { ClipPlayerElement } from "../elements/clip-player";
import type { LabelFormElement } from "../elements/label-form";
import type { SegmentTimelineElement } from "../elements/segment-timeline";
import { gettext } from "../i18n";
import {
  bilingualText,
  choicesFrom,
  type Lang,
  missing,
  options,
  segmentLayers,
} from "../model/labels";
import { formatTime } from "../model/playback";
import { isSegmentAction, type SegmentAction, segmentKey } from "../model/segment-keys";
import { createSegment, resizeSegment, withLabels } from "../model/segments";
import { type Action, isLabelAction } from "../model/shortcuts";
import { el } from "../workspace/task";
import {
  boundsFor,
  type DecisionSegment,
  EMPTY_LABELS,
  type Problem,
  rationaleProblem,
  segmentField,
  segmentsFrom,
  staticProblem,
  streamPayload,
  streamProblem,
} from "./decision";
import type { Payload, Review } from "./types";

/**
 * The adjudicator's decision: labels (a `<label-form>` for a static clip; for
 * a stream clip the segments on a `<segment-timeline>` with a `<label-form>`
 * for the selected one), buttons that start it from an annotator's labels or
 * the aggregate, the required rationale and the Decide button. It keeps the
 * decision and shows problems; the workspace sends it.
 */
export interface DecisionPanel {
  readonly root: HTMLElement;
  payload(): Payload;
  rationale(): string;
  /** Marks every problem on screen; answers the first, or null when the decision can go. */
  check(): Problem | null;
  /** Shows a problem (ours or the server's) next to its field and moves focus there. */
  showProblem(problem: Problem): void;
  /** Starts from annotator `index` (1 is Annotator A) or the aggregate (0); false if none. */
  use(index: number): boolean;
  /** A labelling shortcut; false when it does not apply here. */
  apply(action: Action): boolean;
  setTime(t: number): void;
}

export interface DecisionContext {
  readonly review: Review;
  readonly project: Project;
  readonly lang: Lang;
  readonly player: ClipPlayerElement;
  readonly say: (message: string, error?: boolean) => void;
  readonly onDecide: () => void;
}

interface Source {
  readonly index: number;
  /** The pseudonym, or null for the aggregate. */
  readonly annotator: string | null;
  readonly payload: Payload;
}

export function decisionPanel(ctx: DecisionContext): DecisionPanel {
  const { review } = ctx;
  const aggregate = review.agreement?.aggregate;
  const sources: Source[] = review.layer1.map((l, i) => ({
    index: i + 1,
    annotator: l.annotator,
    payload: l.payload,
  }));
  if (aggregate && Object.keys(aggregate).length) {
    sources.push({ index: 0, annotator: null, payload: aggregate });
  }
  const labels =
    review.clip.kind === "stream" ? streamLabels(ctx, aggregate) : staticLabels(ctx, aggregate);

  const buttons = sources.map((source) => {
    const key = source.index <= 9 ? el("kbd", {}, `Alt+${source.index}`) : "";
    const b = el(
      "button",
      { type: "button", "data-action": "use", "data-annotator": source.annotator ?? "aggregate" },
      source.annotator === null
        ? gettext("Use the aggregate")
        : gettext("Use %(annotator)s’s labels", { annotator: source.annotator }),
      " ",
      key,
    );
    b.addEventListener("click", () => use(source.index));
    return b;
  });

  const labelsError = el("p", { class: "adj-field-error", id: "adj-labels-error", hidden: "" });
  const rationaleError = el("p", {
    class: "adj-field-error",
    id: "adj-rationale-error",
    hidden: "",
  });
  const textarea = el("textarea", {
    id: "adj-rationale",
    name: "rationale",
    rows: "3",
    required: "",
    "aria-describedby": "adj-rationale-hint adj-rationale-error",
  });
  const decide = el(
    "button",
    { type: "button", class: "primary", "data-action": "decide" },
    gettext("Decide"),
    " ",
    el("kbd", {}, "Ctrl+Enter"),
  );
  decide.addEventListener("click", ctx.onDecide);
  textarea.addEventListener("input", () => hide(rationaleError, textarea));
  labels.root.addEventListener("choices-change", () => hide(labelsError));

  const root = el(
    "section",
    { class: "adj-decision", "aria-labelledby": "adj-decision-title" },
    el("h3", { id: "adj-decision-title" }, gettext("Your decision")),
    el(
      "div",
      { class: "adj-sources", role: "group", "aria-labelledby": "adj-sources-title" },
      el("span", { id: "adj-sources-title" }, gettext("Start from:")),
      ...buttons,
    ),
    el(
      "p",
      { class: "adj-hint" },
      aggregate && Object.keys(aggregate).length
        ? gettext("Prefilled from the aggregate; change what you disagree with.")
        : gettext("Start from an annotator’s labels, or choose the labels yourself."),
    ),
    labels.root,
    labelsError,
    el(
      "div",
      { class: "adj-rationale" },
      el("label", { for: "adj-rationale" }, gettext("Rationale")),
      textarea,
      el(
        "p",
        { class: "adj-hint", id: "adj-rationale-hint" },
        gettext("Required: why this decision. It is kept with the gold label."),
      ),
      rationaleError,
    ),
    el("p", { class: "adj-decide" }, decide),
  );

  function use(index: number): boolean {
    const source = sources.find((s) => s.index === index);
    if (!source) return false;
    labels.set(source.payload);
    hide(labelsError);
    ctx.say(
      source.annotator === null
        ? gettext("The decision now starts from the aggregate.")
        : gettext("The decision now starts from %(annotator)s’s labels.", {
            annotator: source.annotator,
          }),
    );
    return true;
  }

  function showProblem(problem: Problem): void {
    if (problem.field === "rationale") {
      show(rationaleError, problem.message, textarea);
      textarea.focus();
    } else {
      show(labelsError, problem.message);
      labels.mark(problem.field);
    }
  }

  return {
    root,
    payload: () => labels.payload(),
    rationale: () => textarea.value.trim(),
    check() {
      hide(labelsError);
      hide(rationaleError, textarea);
      const unlabelled = labels.problem();
      if (unlabelled) show(labelsError, unlabelled.message);
      const why = rationaleProblem(textarea.value);
      if (why) showProblem(why);
      return unlabelled ?? why;
    },
    showProblem,
    use,
    apply: (action) => labels.apply(action),
    setTime: (t) => labels.setTime(t),
  };
}

function show(node: HTMLElement, message: string, field?: HTMLElement): void {
  node.textContent = message;
  node.hidden = false;
  field?.setAttribute("aria-invalid", "true");
}

function hide(node: HTMLElement, field?: HTMLElement): void {
  node.hidden = true;
  node.textContent = "";
  field?.removeAttribute("aria-invalid");
}

/** The labels part of the decision, static or stream. */
interface Labels {
  readonly root: HTMLElement;
  set(payload: Payload): void;
  payload(): Payload;
  /** What is still missing, marked on screen (all of it for a static clip). */
  problem(): Problem | null;
  /** Points at a field named as the server names it. */
  mark(field: string): void;
  apply(action: Action): boolean;
  setTime(t: number): void;
}

function labelForm(lang: Lang, label: string): LabelFormElement {
  const form = el("label-form", { "aria-label": label }) as LabelFormElement;
  form.lang = lang;
  return form;
}

function staticLabels(ctx: DecisionContext, aggregate: Payload | undefined): Labels {
  const layers = ctx.project.label_schema.layers;
  const form = labelForm(ctx.lang, gettext("Labels of the decision"));
  form.layers = layers;
  form.value = choicesFrom(layers, aggregate ?? {});
  form.addEventListener("choices-change", () => (form.missing = []));
  return {
    root: form,
    set(payload) {
      form.value = choicesFrom(layers, payload);
      form.missing = [];
    },
    payload: () => ({ ...form.value }),
    problem() {
      const problem = staticProblem(layers, form.value, ctx.lang);
      form.missing = missing(layers, form.value).map((l) => l.name);
      return problem;
    },
    mark(field) {
      form.missing = [field];
    },
    apply(action) {
      if (!isLabelAction(action)) return false;
      form.applyShortcut(action);
      return true;
    },
    setTime() {},
  };
}

function streamLabels(ctx: DecisionContext, aggregate: Payload | undefined): Labels {
  const { review, project, lang, player } = ctx;
  const schema = project.label_schema;
  const layers = segmentLayers(schema);
  const primary = layers.find((l) => l.type === "single");
  const bounds = boundsFor(review.clip.duration_s);
  let segments: DecisionSegment[] = aggregate ? segmentsFrom(schema, aggregate, bounds) : [];
  let selected = segments.length ? 0 : -1;

  const timeline = el("segment-timeline", {
    "data-duration": String(bounds.duration),
    "data-waveform": review.clip.waveform_url ?? undefined,
  }) as SegmentTimelineElement;
  const form = labelForm(lang, gettext("Labels of the selected segment"));
  form.layers = layers;
  const heading = el("h4");
  const tool = (text: string, fn: () => void): HTMLButtonElement => {
    const b = el("button", { type: "button" }, text);
    b.addEventListener("click", fn);
    return b;
  };
  const editor = el(
    "div",
    { class: "adj-segment-editor" },
    heading,
    el(
      "div",
      { class: "adj-segment-tools" },
      tool(gettext("Split at the playhead"), () => edit({ name: "segment-split" })),
      tool(gettext("Merge with the next segment"), () => edit({ name: "segment-merge" })),
      tool(gettext("Delete the segment"), () => edit({ name: "segment-delete" })),
    ),
    form,
  );
  const root = el(
    "div",
    {
      class: "adj-stream-decision",
      role: "group",
      "aria-label": gettext("Segments of the decision"),
    },
    timeline,
    editor,
  );

  /** A segment key or tool button, as in the annotator's editor; says what it did. */
  function edit(action: SegmentAction): void {
    const result = segmentKey(action, {
      segments,
      selected,
      time: player.video.currentTime,
      bounds,
      empty: EMPTY_LABELS,
    });
    if (result.ok) update(result.segments, result.index);
    ctx.say(result.message, !result.ok);
  }

  function update(next: DecisionSegment[], index: number): void {
    segments = next;
    select(index);
  }

  function select(index: number): void {
    selected = Math.min(segments.length - 1, Math.max(-1, index));
    timeline.segments = segments;
    timeline.selected = selected;
    const s = segments[selected];
    editor.hidden = !s;
    form.missing = [];
    if (!s) return;
    heading.textContent = gettext("Segment %(number)s of %(count)s · %(start)s – %(end)s", {
      number: selected + 1,
      count: segments.length,
      start: formatTime(s.start),
      end: formatTime(s.end),
    });
    form.value = s.labels.choices;
  }

  timeline.describe = (i) => {
    const choices = segments[i]?.labels.choices ?? {};
    const value = primary ? choices[primary.name] : undefined;
    const label = primary && options(primary).find((l) => l.value === value);
    return {
      text: label ? bilingualText(label, lang) : "",
      labelled: missing(layers, choices).length === 0,
    };
  };
  timeline.addEventListener("timeline-seek", (e) =>
    player.seekTo((e as CustomEvent<{ time: number }>).detail.time),
  );
  timeline.addEventListener("timeline-select", (e) =>
    select((e as CustomEvent<{ index: number }>).detail.index),
  );
  timeline.addEventListener("timeline-create", (e) => {
    const { start, end } = (e as CustomEvent<{ start: number; end: number }>).detail;
    const result = createSegment(segments, start, end, EMPTY_LABELS, bounds);
    if (result) update(result.segments, result.index);
    else ctx.say(gettext("No room for a segment there: segments cannot overlap."), true);
  });
  timeline.addEventListener("timeline-resize", (e) => {
    const { index, edge, time } = (
      e as CustomEvent<{ index: number; edge: "start" | "end"; time: number }>
    ).detail;
    const result = resizeSegment(segments, index, edge, time, bounds);
    if (result) update(result.segments, result.index);
  });
  form.addEventListener("choices-change", () => {
    const s = segments[selected];
    if (!s) return;
    segments = withLabels(segments, selected, { ...s.labels, choices: form.value });
    timeline.segments = segments;
    form.missing = [];
  });
  function mark(field: string): void {
    const at = segmentField(field);
    if (!at) return;
    select(at.index);
    if (at.layer) form.missing = [at.layer];
  }

  // The timeline lays itself out once connected.
  queueMicrotask(() => select(selected));

  return {
    root,
    set(payload) {
      update(segmentsFrom(schema, payload, bounds), 0);
    },
    payload: () => streamPayload(segments),
    problem() {
      const problem = streamProblem(schema, segments, lang);
      if (problem) mark(problem.field);
      return problem;
    },
    mark,
    apply(action) {
      if (isSegmentAction(action)) {
        edit(action);
        return true;
      }
      switch (action.name) {
        case "zoom":
          timeline.zoom(action.factor);
          return true;
        case "primary":
        case "primary-unsure":
        case "intensity":
        case "filter-secondary":
          if (selected < 0) {
            ctx.say(gettext("Select a segment of the decision first (N / P)."), true);
          } else form.applyShortcut(action);
          return true;
        default:
          return false;
      }
    },
    setTime(t) {
      timeline.time = t;
    },
  };
}
