import type { Project } from "../api/types";
import type { ClipPlayerElement } from "../elements/clip-player";
import type { LabelFormElement } from "../elements/label-form";
import { gettext } from "../i18n";
import { choicesFrom, missing } from "../layers/registry";
import { type Lang, segmentLayers } from "../model/labels";
import { boundsFor } from "../model/segment-labels";
import { type Action, isLabelAction } from "../model/shortcuts";
import { el } from "../workspace/task";
import {
  type Problem,
  rationaleProblem,
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
  const bounds = boundsFor(review.clip.duration_s);
  const editor = el("segment-editor");
  editor.configure({
    lang,
    layers: segmentLayers(schema),
    duration: review.clip.duration_s,
    waveformUrl: review.clip.waveform_url,
    player,
    segments: aggregate ? segmentsFrom(schema, aggregate, bounds) : [],
    context: "decision",
    selectFirst: gettext("Select a segment of the decision first (N / P)."),
    say: ctx.say,
  });
  const root = el(
    "div",
    {
      class: "adj-stream-decision",
      role: "group",
      "aria-label": gettext("Segments of the decision"),
    },
    editor,
  );
  return {
    root,
    set: (payload) => editor.set(segmentsFrom(schema, payload, bounds)),
    payload: () => streamPayload(editor.segments),
    problem() {
      const problem = streamProblem(schema, editor.segments, lang);
      if (problem) editor.mark(problem.field);
      return problem;
    },
    mark: (field) => editor.mark(field),
    apply: (action) => editor.apply(action),
    setTime: (t) => editor.setTime(t),
  };
}
