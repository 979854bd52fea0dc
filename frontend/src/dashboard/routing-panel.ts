import { fmt, labelledValue } from "../charts/format";
import { gettext } from "../i18n";
import { listText } from "../model/labels";
import { el } from "../workspace/task";
import { type DashboardContext, Panel, stat } from "./panel";
import type { RoutingAnswer, RoutingRule } from "./types";

/** Where routing sends clips under the current rule: gold by tier and provenance, disputes. */
export class RoutingPanel extends Panel<RoutingAnswer> {
  constructor(ctx: DashboardContext) {
    super(ctx, "routing", gettext("Routing"));
  }

  protected fetch(): Promise<RoutingAnswer> {
    return this.ctx.api.get(`projects/${this.ctx.slug}/dashboard/routing/`);
  }

  protected render(r: RoutingAnswer): Node[] {
    const n = fmt().count;
    const tiers: [string, number][] = [
      [gettext("High"), r.tiers.high],
      [gettext("Medium"), r.tiers.medium],
      [gettext("Low"), r.tiers.low],
    ];
    const provenance: [string, number][] = [
      [gettext("Unanimous"), r.provenance.unanimous],
      [gettext("Majority"), r.provenance.majority],
      [gettext("Model-confident"), r.provenance.model_confident],
      [gettext("Adjudicated"), r.provenance.adjudicated],
    ];
    const bars = (
      caption: string,
      label: string,
      counted: string,
      parts: [string, number][],
    ): HTMLElement =>
      this.chart({
        caption,
        summary: listText(parts.map(([name, value]) => labelledValue(name, n(value)))),
        kind: "bars",
        x: { kind: "category", labels: parts.map(([name]) => name), label },
        series: [{ label: counted, values: parts.map(([, value]) => value) }],
        height: 160,
      });
    return [
      el(
        "div",
        { class: "stats" },
        stat("routing-disputed", gettext("Disputed"), n(r.disputed)),
        stat("routing-in-adjudication", gettext("In adjudication"), n(r.in_adjudication)),
      ),
      ruleList(r.rule),
      el(
        "div",
        { class: "chart-grid" },
        bars(gettext("Routed clips by confidence tier"), gettext("Tier"), gettext("Clips"), tiers),
        bars(
          gettext("Gold labels by provenance"),
          gettext("Provenance"),
          gettext("Gold labels"),
          provenance,
        ),
      ),
    ];
  }
}

function ruleList(rule: RoutingRule): HTMLElement {
  const rows: [string, string][] = [
    [
      gettext("Aggregator"),
      rule.aggregator === "dawid_skene" ? gettext("Dawid–Skene") : gettext("Majority vote"),
    ],
    [gettext("Accept unanimous clips"), rule.accept_unanimous ? gettext("Yes") : gettext("No")],
    [gettext("Minimum confidence"), fmt().decimal(rule.min_confidence)],
    [gettext("Medium-tier confidence"), fmt().decimal(rule.medium_confidence ?? null)],
    [
      gettext("Minimum trace CCC"),
      rule.min_trace_ccc == null ? gettext("Off") : fmt().decimal(rule.min_trace_ccc),
    ],
  ];
  return el(
    "dl",
    { class: "rule", "aria-label": gettext("Routing rule") },
    ...rows.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]),
  );
}
