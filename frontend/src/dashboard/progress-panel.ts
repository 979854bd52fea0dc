import { fmt } from "../charts/format";
import { shareBar } from "../charts/share-bar";
import { gettext, pgettext } from "../i18n";
import { listText } from "../model/labels";
import { el } from "../workspace/task";
import { type DashboardContext, Panel, stat } from "./panel";
import { daySeconds } from "./shaping";
import type { ProgressAnswer } from "./types";

const DAYS = 30;

/** Headline counts, clips by workflow stage, and work done per day. */
export class ProgressPanel extends Panel<ProgressAnswer> {
  constructor(ctx: DashboardContext) {
    super(ctx, "progress", gettext("Progress"));
  }

  protected fetch(): Promise<ProgressAnswer> {
    return this.ctx.api.get(`projects/${this.ctx.slug}/dashboard/progress/?days=${DAYS}`);
  }

  protected render(p: ProgressAnswer): Node[] {
    const n = fmt().count;
    const t = p.throughput;
    const xs = t.days.map(daySeconds);
    const lastDay = xs.at(-1);
    return [
      el(
        "div",
        { class: "stats" },
        stat("total", gettext("Clips"), n(p.total)),
        stat("ready", gettext("Media ready"), n(p.ready)),
        stat("layer1", gettext("In layer 1"), n(p.stages.layer1)),
        stat("disputed", gettext("Disputed"), n(p.stages.disputed)),
        stat("gold", gettext("Gold"), n(p.stages.gold)),
      ),
      shareBar(gettext("Clips by stage"), [
        { label: gettext("Layer 1"), value: p.stages.layer1 },
        { label: gettext("Aggregating"), value: p.stages.aggregating },
        { label: gettext("Disputed"), value: p.stages.disputed },
        { label: gettext("Gold"), value: p.stages.gold },
      ]),
      el("p", { class: "media-counts" }, mediaText(p.media)),
      this.chart({
        caption: gettext("Work per day, last %(days)s days", { days: n(DAYS) }),
        summary:
          lastDay === undefined
            ? gettext("No work recorded yet.")
            : gettext(
                "On %(day)s: %(annotations)s annotations, %(gold)s gold labels, %(adjudicated)s adjudications.",
                {
                  day: fmt().day(new Date(lastDay * 1000)),
                  annotations: n(t.annotations.at(-1) ?? 0),
                  gold: n(t.gold.at(-1) ?? 0),
                  adjudicated: n(t.adjudicated.at(-1) ?? 0),
                },
              ),
        kind: "line",
        x: { kind: "time", values: xs, label: gettext("Day"), precision: "day" },
        series: [
          { label: gettext("Annotations"), values: t.annotations },
          { label: gettext("Gold labels"), values: t.gold },
          { label: gettext("Adjudications"), values: t.adjudicated },
        ],
      }),
    ];
  }
}

const MEDIA_STATUSES: Readonly<Record<string, () => string>> = {
  missing: () => gettext("no media yet"),
  pending: () => gettext("pending"),
  processing: () => gettext("processing"),
  ready: () => gettext("ready"),
  failed: () => gettext("failed"),
  duplicate: () => gettext("duplicate"),
};

/** Clips per media status, known statuses in workflow order, any other after them. */
function mediaText(media: Readonly<Record<string, number>>): string {
  const order = Object.keys(MEDIA_STATUSES);
  const rank = (status: string): number => {
    const i = order.indexOf(status);
    return i < 0 ? order.length : i;
  };
  const statuses = Object.keys(media).sort((a, b) => rank(a) - rank(b));
  const parts = statuses.map((status) =>
    pgettext("count of a kind", "%(label)s: %(count)s", {
      label: MEDIA_STATUSES[status]?.() ?? status,
      count: fmt().count(media[status] ?? 0),
    }),
  );
  return gettext("Media: %(counts)s", {
    counts: parts.length > 0 ? listText(parts) : gettext("no clips yet"),
  });
}
