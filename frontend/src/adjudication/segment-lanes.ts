import type { ReferenceSegment } from "../api/types";
import { gettext, ngettext } from "../i18n";
import type { LabelSchema, Lang, Layer } from "../model/labels";
import { formatTime } from "../model/playback";
import { el } from "../workspace/task";
import { valueText } from "../layers/registry";
import { segmentText } from "./compare";
import { seconds } from "./format";
import {
  disagreements,
  labelColour,
  type LaneSegment,
  laneSegments,
  type Placement,
  place,
  ticks,
  totalSeconds,
} from "./lanes";
import type { Layer1Label } from "./types";

/**
 * The annotators' segments compared on one time axis: the reference
 * utterances, one lane per annotator (`[data-lane]`) coloured by primary
 * label, and the stretches where they differ, shaded in every lane and
 * summarised in a lane of their own. A segment is a button that seeks the
 * video to its start; the arrow keys move between the segments of a lane.
 */
export interface SegmentLanes {
  readonly root: HTMLElement;
  setTime(t: number): void;
}

export interface LanesInput {
  readonly duration: number;
  readonly reference: readonly ReferenceSegment[];
  readonly layer1: readonly Layer1Label[];
  readonly schema: LabelSchema;
  readonly primary: Layer | undefined;
  readonly lang: Lang;
  readonly seek: (t: number) => void;
}

export function segmentLanes(input: LanesInput): SegmentLanes {
  const { duration, primary, lang } = input;
  const lanes = input.layer1.map((l) => laneSegments(l.payload, primary?.name));
  const differ = disagreements(lanes, duration);
  const root = el("div", { class: "adj-lanes" });

  // Not a generic arrow function: xgettext would read `<T …>` as an E4X literal and stop extracting.
  const positioned = (node: HTMLElement, at: Placement): HTMLElement => {
    node.style.left = `${at.left * 100}%`;
    node.style.width = `${at.width * 100}%`;
    return node;
  };
  const seg = (text: string, label: string, start: number, colour: string): HTMLElement => {
    const b = el("button", { type: "button", class: "adj-seg", title: label, "aria-label": label });
    b.append(el("span", {}, text));
    b.style.background = colour;
    b.addEventListener("click", () => input.seek(start));
    return b;
  };
  const bands = (): HTMLElement[] =>
    differ.map((span) =>
      positioned(
        el("div", { class: "adj-diff-band", "aria-hidden": "true" }),
        place(span, duration),
      ),
    );
  let laneCount = 0;
  const lane = (key: string, name: string, items: HTMLElement[], shaded: boolean): HTMLElement => {
    const nameId = `adj-lane-${laneCount++}`;
    const track = el("div", { class: "adj-track", role: "group", "aria-labelledby": nameId });
    track.append(...(shaded ? bands() : []), ...items);
    for (const [i, b] of items.entries()) b.tabIndex = i === 0 ? 0 : -1;
    return el(
      "div",
      { class: "adj-lane", "data-lane": key },
      el("span", { class: "adj-lane-name", id: nameId }, name),
      track,
    );
  };

  const reference = lane(
    "reference",
    gettext("Reference"),
    input.reference.map((r) =>
      positioned(
        seg(
          r.text,
          gettext("Reference utterance, %(start)s to %(end)s: %(text)s", {
            start: formatTime(r.start_s),
            end: formatTime(r.end_s),
            text: r.text,
          }),
          r.start_s,
          "#f6f8fa",
        ),
        place({ start: r.start_s, end: r.end_s }, duration),
      ),
    ),
    false,
  );
  // An empty track would look like a chart that failed to draw.
  if (input.reference.length === 0) {
    reference.lastElementChild?.append(
      el("span", { class: "adj-lane-empty" }, gettext("No timed transcript for this clip")),
    );
  }
  root.append(reference);
  input.layer1.forEach((l, i) => {
    const items = (lanes[i] ?? []).map((s: LaneSegment) =>
      positioned(
        seg(
          primary && s.value !== null ? valueText(primary, s.value, lang) : gettext("unlabelled"),
          gettext("%(annotator)s, %(start)s to %(end)s: %(labels)s", {
            annotator: l.annotator,
            start: formatTime(s.start),
            end: formatTime(s.end),
            labels: segmentText(input.schema, s.fields, lang),
          }),
          s.start,
          labelColour(primary, s.value),
        ),
        place(s, duration),
      ),
    );
    root.append(lane(l.annotator, l.annotator, items, true));
  });

  const diffTrack = el("div", {
    class: "adj-track",
    role: "img",
    "aria-label": differ.length
      ? ngettext(
          "The annotators differ in %(count)s stretch, %(seconds)s in all.",
          "The annotators differ in %(count)s stretches, %(seconds)s in all.",
          differ.length,
          { seconds: seconds(totalSeconds(differ)) },
        )
      : gettext("The annotators agree throughout."),
  });
  diffTrack.append(...bands());
  root.append(
    el(
      "div",
      { class: "adj-lane adj-diff-lane", "data-lane": "differences" },
      el("span", { class: "adj-lane-name" }, gettext("Differences")),
      diffTrack,
    ),
    el(
      "div",
      { class: "adj-axis", "aria-hidden": "true" },
      ...ticks(duration).map((t) => {
        const tick = el("span", {}, formatTime(t).replace(/\.0$/, ""));
        tick.style.left = `${(duration > 0 ? t / duration : 0) * 100}%`;
        return tick;
      }),
    ),
  );

  // Roving focus: one tab stop per lane, arrows within it (the workspace leaves arrows to buttons).
  root.addEventListener("keydown", (e) => {
    const current = e.target as HTMLElement;
    if (!current.classList.contains("adj-seg")) return;
    const siblings = [...(current.parentElement?.querySelectorAll<HTMLElement>(".adj-seg") ?? [])];
    const i = siblings.indexOf(current);
    const to = { ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: siblings.length - 1 }[e.key];
    const target = to === undefined ? undefined : siblings[to];
    if (!target) return;
    e.preventDefault();
    current.tabIndex = -1;
    target.tabIndex = 0;
    target.focus();
  });

  return {
    root,
    setTime(t) {
      root.style.setProperty("--adj-t", String(duration > 0 ? Math.min(1, t / duration) : 0));
    },
  };
}
