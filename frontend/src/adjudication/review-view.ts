import type { ApiClient } from "../api/client";
import type { Project } from "../api/types";
import type { ClipPlayerElement } from "../elements/clip-player";
import { followMedia } from "../elements/media-clock";
import { gettext } from "../i18n";
import type { Lang } from "../model/labels";
import { formatTime } from "../model/playback";
import { el } from "../workspace/task";
import { type Column, type Row, staticRows, streamRows } from "./compare";
import { type DecisionPanel, decisionPanel } from "./decision-panel";
import { fixed, languageName, percent, provenanceText, tierText } from "./format";
import { segmentLanes } from "./segment-lanes";
import { type TraceCharts, traceCharts } from "./trace-charts";
import type { Agreement, GoldVersion, Review, TraceOverlay } from "./types";

/**
 * One disputed clip under review: the player, the agreement figures and why
 * the clip is disputed, the labels side by side, for stream clips the traces
 * overlaid and the segments compared, and the decision panel. Everything
 * that shows time follows the video.
 */
export interface ReviewView {
  readonly root: HTMLElement;
  /** The clip's heading, focusable: where focus goes when the review opens. */
  readonly heading: HTMLElement;
  readonly player: ClipPlayerElement;
  readonly panel: DecisionPanel;
  dispose(): void;
}

export interface ReviewContext {
  readonly review: Review;
  readonly project: Project;
  readonly lang: Lang;
  readonly api: ApiClient;
  readonly say: (message: string, error?: boolean) => void;
  readonly onDecide: () => void;
}

export function reviewView(ctx: ReviewContext): ReviewView {
  const { review, project, lang } = ctx;
  const clip = review.clip;
  const stream = clip.kind === "stream";
  const duration = clip.duration_s ?? 0;
  const player = el("clip-player", {
    "data-src": clip.video_url ?? "",
    "data-poster": clip.poster_url ?? undefined,
    "data-waveform": clip.waveform_url ?? undefined,
    "data-audio-only": clip.has_video ? undefined : "",
    "data-fps": String(clip.fps ?? 25),
    "data-duration": String(clip.duration_s ?? ""),
    "data-video-id": `adj-video-${review.id}`,
  });
  const seek = (t: number): void => player.seekTo(t);
  const panel = decisionPanel({ ...ctx, player });
  const heading = el(
    "h2",
    { id: "adj-review-title", tabindex: "-1" },
    clip.title || clip.external_id,
  );

  const columns: Column[] = review.layer1.map((l) => ({
    annotator: l.annotator,
    payload: l.payload,
    traceCoverage: stream ? (l.trace ? (l.trace.gaps?.coverage ?? Number.NaN) : null) : undefined,
  }));
  if (review.agreement) columns.push({ annotator: null, payload: review.agreement.aggregate });
  const rows = stream
    ? streamRows(project.label_schema, columns, lang)
    : staticRows(project.label_schema.layers, columns, lang);

  const meta = {
    clip: clip.external_id,
    language: languageName(clip.language, lang),
    duration: formatTime(duration),
  };
  const root = el(
    "div",
    { class: `adj-review-body ${clip.kind}` },
    el(
      "header",
      { class: "adj-clip-head" },
      heading,
      el(
        "p",
        { class: "adj-meta" },
        stream
          ? gettext("%(clip)s · stream clip · %(language)s · %(duration)s", meta)
          : gettext("%(clip)s · static clip · %(language)s · %(duration)s", meta),
      ),
    ),
    el(
      "div",
      { class: "adj-top" },
      el(
        "section",
        { class: "adj-media", "aria-label": gettext("Clip") },
        player,
        clip.transcript
          ? el("p", { class: "transcript", lang: clip.language }, clip.transcript)
          : "",
      ),
      agreementPanel(review.agreement, review.why ?? [], review.gold_history, lang),
    ),
    section("adj-compare", gettext("Labels side by side"), sideBySide(rows, columns)),
  );

  let disposed = false;
  const disposers: (() => void)[] = [];
  const followers: ((t: number) => void)[] = [panel.setTime];
  if (stream) {
    const traces = el("div", {}, el("p", {}, gettext("Loading the traces…")));
    const lanes = segmentLanes({
      duration,
      reference: clip.segments,
      layer1: review.layer1,
      schema: project.label_schema,
      primary: project.label_schema.layers.find(
        (l) => l.name === project.label_schema.segments?.primary,
      ),
      lang,
      seek,
    });
    followers.push(lanes.setTime);
    root.append(
      section("adj-trace-section", gettext("Traces"), traces),
      section("adj-lanes-section", gettext("Segments compared"), lanes.root),
    );
    if (review.layer1.some((l) => l.trace)) {
      void loadTraces(ctx, traces, seek).then((charts) => {
        if (!charts) return;
        if (disposed) charts.dispose();
        else {
          charts.setTime(player.video.currentTime);
          followers.push(charts.setTime);
          disposers.push(charts.dispose);
        }
      });
    } else {
      traces.replaceChildren(
        el("p", {}, gettext("No annotator has a finalised trace of this clip.")),
      );
    }
  }
  root.append(panel.root);

  const stopFollowing = followMedia(player.video, (t) => {
    for (const f of followers) f(t);
  });

  return {
    root,
    heading,
    player,
    panel,
    dispose() {
      disposed = true;
      stopFollowing();
      for (const d of disposers) d();
    },
  };
}

function section(className: string, title: string, ...content: (Node | string)[]): HTMLElement {
  const id = `${className}-title`;
  return el(
    "section",
    { class: className, "aria-labelledby": id },
    el("h3", { id }, title),
    ...content,
  );
}

async function loadTraces(
  ctx: ReviewContext,
  into: HTMLElement,
  seek: (t: number) => void,
): Promise<TraceCharts | null> {
  try {
    const trace = await ctx.api.get<TraceOverlay>(`clips/${ctx.review.clip.id}/traces/`);
    if (!trace.series.length) {
      into.replaceChildren(
        el("p", {}, gettext("No annotator has a finalised trace of this clip.")),
      );
      return null;
    }
    const charts = traceCharts(trace, ctx.lang, seek);
    into.replaceChildren(charts.root);
    return charts;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    into.replaceChildren(
      el(
        "p",
        { class: "adj-error" },
        gettext("The traces could not be loaded: %(error)s", { error: message }),
      ),
    );
    return null;
  }
}

function agreementPanel(
  agreement: Agreement | null,
  why: readonly string[],
  gold: readonly GoldVersion[],
  lang: Lang,
): HTMLElement {
  const figures = el("dl", { class: "adj-figures" });
  const add = (term: string, value: Node | string): void => {
    figures.append(el("dt", {}, term), el("dd", {}, value));
  };
  if (agreement) {
    const m = agreement.metrics;
    add(
      gettext("Tier"),
      el("span", { class: `adj-tier tier-${agreement.tier || "none"}` }, tierText(agreement.tier)),
    );
    add(gettext("Confidence"), percent(agreement.confidence));
    add(gettext("Top label’s share"), percent(m.top_share));
    add(
      gettext("Distinct answers"),
      agreement.n_distinct === null ? "—" : String(agreement.n_distinct),
    );
    add(gettext("Annotations"), String(agreement.n_annotations));
    if (m.ds_confidence !== undefined)
      add(gettext("Dawid–Skene confidence"), percent(m.ds_confidence));
    if (m.trace_ccc_min !== undefined)
      add(gettext("Lowest trace concordance (CCC)"), fixed(m.trace_ccc_min));
  }
  const locale = lang === "zh" ? "zh-Hans" : "en";
  return el(
    "section",
    { class: "adj-agreement", "aria-labelledby": "adj-agreement-title" },
    el("h3", { id: "adj-agreement-title" }, gettext("Agreement")),
    agreement ? figures : el("p", {}, gettext("No agreement figures for this clip yet.")),
    why.length
      ? el(
          "div",
          {},
          el("h4", {}, gettext("Why it is disputed")),
          el("ul", { class: "adj-why" }, ...why.map((w) => el("li", {}, w))),
        )
      : "",
    gold.length
      ? el(
          "div",
          {},
          el("h4", {}, gettext("Gold versions")),
          el(
            "ol",
            { class: "adj-gold" },
            ...gold.map((g) => {
              const values = {
                version: g.version,
                provenance: provenanceText(g.provenance),
                when: new Date(g.created_at).toLocaleString(locale),
              };
              return el(
                "li",
                { class: g.is_current ? "current" : undefined },
                g.is_current
                  ? gettext("v%(version)s (current) · %(provenance)s · %(when)s", values)
                  : gettext("v%(version)s · %(provenance)s · %(when)s", values),
                g.rationale ? el("q", {}, g.rationale) : "",
              );
            }),
          ),
        )
      : "",
  );
}

function sideBySide(rows: readonly Row[], columns: readonly Column[]): HTMLElement {
  const head = el(
    "tr",
    {},
    el("th", { scope: "col" }, gettext("Layer")),
    ...columns.map((c) =>
      c.annotator === null
        ? el("th", { scope: "col", "data-aggregate": "" }, gettext("Aggregate"))
        : el("th", { scope: "col", "data-annotator": c.annotator }, c.annotator),
    ),
  );
  const body = rows.map((row) =>
    el(
      "tr",
      { class: row.agree ? undefined : "differs", "data-layer": row.key },
      el(
        "th",
        { scope: "row" },
        row.title,
        row.agree ? "" : el("span", { class: "adj-flag" }, gettext("annotators differ")),
      ),
      ...row.cells.map((cell, i) => {
        const c = columns[i]!;
        const td = el(
          "td",
          c.annotator === null ? { "data-aggregate": "" } : { "data-annotator": c.annotator },
          cell.text,
        );
        if (cell.differs) {
          td.classList.add("differs");
          td.append(el("span", { class: "adj-sr-only" }, gettext("(differs from the others)")));
        }
        return td;
      }),
    ),
  );
  return el(
    "div",
    { class: "adj-table-wrap" },
    el(
      "table",
      { class: "adj-side", "aria-labelledby": "adj-compare-title" },
      el("thead", {}, head),
      el("tbody", {}, ...body),
    ),
  );
}
