import { fmt } from "../charts/format";
import { gettext } from "../i18n";
import { el } from "../workspace/task";
import {
  type Anchoring,
  comparesSets,
  comparisonRows,
  type DraftsReport,
  type LayerReport,
  type ModelRun,
  provenanceLine,
} from "./drafts-shaping";
import { type DashboardContext, Panel, stat } from "./panel";

/**
 * Model drafts: the latest run's provenance, how each annotator and the people's aggregate
 * agree with the model per layer, and the anchoring effect (agreement with the model when
 * drafts were shown vs hidden).
 */
export class DraftsPanel extends Panel<DraftsReport> {
  constructor(ctx: DashboardContext) {
    super(ctx, "drafts", gettext("Model drafts"));
  }

  protected fetch(): Promise<DraftsReport> {
    return this.ctx.api.get(`projects/${this.ctx.slug}/drafts/report/`);
  }

  protected render(report: DraftsReport): Node[] {
    if (!report.run) return [el("p", {}, gettext("No model run imported yet."))];
    const shown = report.shown ?? 0;
    return [
      provenance(report.run, report),
      el(
        "div",
        { class: "stats" },
        stat("draft-shown", gettext("Labels given with a draft shown"), fmt().count(shown)),
        stat(
          "draft-accepted",
          gettext("Drafts taken unchanged"),
          shown ? fmt().percent((report.accepted ?? 0) / shown) : "—",
        ),
      ),
      ...Object.entries(report.layers ?? {}).map(([name, layer]) =>
        layerSection(name, layer.title?.[this.ctx.lang] ?? name, layer),
      ),
    ];
  }
}

function provenance(run: ModelRun, report: DraftsReport): HTMLElement {
  const mode =
    report.drafts_mode === "prefill"
      ? gettext("Pre-filled on %(share)s of claims", { share: fmt().percent(report.draft_share ?? 1) })
      : gettext("Hidden from annotators");
  const rows: [string, string][] = [
    [gettext("Model"), provenanceLine(run)],
    [gettext("Imported from"), run.source_name],
    [gettext("Drafts"), fmt().count(run.n_drafts)],
    [gettext("Imported"), fmt().moment(new Date(run.created_at))],
    [gettext("Annotators see"), mode],
  ];
  return el(
    "dl",
    { class: "rule", "aria-label": gettext("Model run") },
    ...rows.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]),
  );
}

function layerSection(name: string, title: string, layer: LayerReport): HTMLElement {
  const multi = comparesSets(layer);
  const head = el(
    "tr",
    {},
    el("th", { scope: "col" }, gettext("Compared with the model")),
    el("th", { scope: "col" }, gettext("Clips")),
    el("th", { scope: "col" }, multi ? gettext("Mean Jaccard") : gettext("Agreement")),
    el("th", { scope: "col" }, multi ? gettext("Exact match") : gettext("Cohen κ")),
  );
  const rows = comparisonRows(layer).map((row) =>
    el(
      "tr",
      { "data-who": row.who ?? "aggregate" },
      el("th", { scope: "row" }, row.who ?? gettext("People's aggregate")),
      el("td", {}, fmt().count(row.n)),
      el("td", {}, multi ? fmt().decimal(row.first) : fmt().percent(row.first)),
      el("td", {}, multi ? fmt().percent(row.second) : fmt().decimal(row.second)),
    ),
  );
  return el(
    "section",
    { class: "draft-layer", "data-layer": name },
    el("h3", {}, title),
    el("table", { class: "figures" }, el("thead", {}, head), el("tbody", {}, ...rows)),
    anchoringText(layer.anchoring),
  );
}

function interval(bounds: readonly (number | null)[], digits = 2): string {
  const [low = null, high = null] = bounds;
  return `[${fmt().decimal(low, digits)}, ${fmt().decimal(high, digits)}]`;
}

function anchoringText(a: Anchoring | null): HTMLElement {
  if (!a) {
    return el(
      "p",
      { class: "note" },
      gettext("Anchoring needs labels given both with and without a draft shown."),
    );
  }
  return el(
    "p",
    { class: "anchoring" },
    gettext(
      "Anchoring: agreement with the model %(shown)s with drafts shown (%(n_shown)s labels), %(hidden)s without (%(n_hidden)s); difference %(effect)s %(effect_interval)s; share of disagreements a shown draft removes %(adoption)s %(adoption_interval)s.",
      {
        shown: fmt().percent(a.agree_shown),
        n_shown: fmt().count(a.n_shown),
        hidden: fmt().percent(a.agree_hidden),
        n_hidden: fmt().count(a.n_hidden),
        effect: fmt().decimal(a.effect),
        effect_interval: interval(a.effect_interval),
        adoption: fmt().decimal(a.adoption),
        adoption_interval: interval(a.adoption_interval),
      },
    ),
  );
}
