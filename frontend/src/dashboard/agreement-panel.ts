import { ApiError } from "../api/client";
import { fmt, labelledValue } from "../charts/format";
import { lastValue } from "../charts/series";
import { gettext } from "../i18n";
import { listText } from "../model/labels";
import { el } from "../workspace/task";
import { type DashboardContext, messageOf, Panel, POLL_MS } from "./panel";
import { agreementLines, TIERS, tierLayers, tierShares } from "./shaping";
import type {
  AgreementAnswer,
  AgreementJob,
  AgreementPair,
  AgreementPoint,
  DsConfidence,
  Page,
  Tier,
} from "./types";

const TIER_NAMES: Record<Tier, () => string> = {
  high: () => gettext("High"),
  medium: () => gettext("Medium"),
  low: () => gettext("Low"),
};

/**
 * Agreement figures over the dated reports, Dawid–Skene tier shares per
 * report, and "Compute agreement now", whose progress is followed until the
 * worker is done (also when the page opens while a computation runs).
 */
export class AgreementPanel extends Panel<AgreementAnswer> {
  readonly #compute = el(
    "button",
    { type: "button", "data-action": "compute-agreement" },
    gettext("Compute agreement now"),
  );
  readonly #progress = el("progress", { max: "1", "aria-labelledby": "dashboard-agreement-job" });
  readonly #jobText = el("span", { id: "dashboard-agreement-job" });
  readonly #job = el("div", { class: "agreement-job", hidden: "" }, this.#jobText, this.#progress);
  #jobId: number | null = null;
  #jobTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: DashboardContext) {
    super(ctx, "agreement", gettext("Agreement over time"));
    this.#compute.addEventListener("click", () => void this.#start());
    this.actions.append(this.#compute);
    this.content.before(this.#job);
  }

  protected async fetch(): Promise<AgreementAnswer> {
    const base = `projects/${this.ctx.slug}/`;
    const [answer, latest] = await Promise.all([
      this.ctx.api.get<AgreementAnswer>(`${base}dashboard/agreement/`),
      this.ctx.api.get<Page<AgreementJob>>(`${base}agreement/?page_size=1`),
    ]);
    const open = latest.results[0];
    if (open && (open.status === "pending" || open.status === "running")) this.#follow(open);
    return answer;
  }

  protected render(answer: AgreementAnswer): Node[] {
    if (answer.reports.length === 0)
      return [
        el("p", {}, gettext("No agreement report yet. Compute one to start following agreement.")),
      ];
    const { xs, lines } = agreementLines(answer);
    const latest = lines.map((line) =>
      labelledValue(line.label, fmt().decimal(lastValue(line.values))),
    );
    const nodes: Node[] = [
      this.chart({
        caption: gettext("Agreement figures per report (κ, α, CCC: −1 to 1)"),
        summary: gettext("Latest figures: %(values)s.", { values: listText(latest) }),
        kind: "line",
        x: { kind: "time", values: xs, label: gettext("Report"), precision: "moment" },
        series: lines.map((line) => ({ label: line.label, values: line.values })),
        range: [-1, 1],
        format: (v) => fmt().decimal(v),
        height: 240,
      }),
    ];
    for (const layer of tierLayers(answer.reports)) {
      const { reports, shares } = tierShares(answer.reports, layer);
      const last = TIERS.map((tier) =>
        labelledValue(TIER_NAMES[tier](), fmt().percent(shares[tier].at(-1) ?? null)),
      );
      nodes.push(
        this.chart({
          caption: gettext("Dawid–Skene confidence tiers per report: %(layer)s", {
            layer: answer.layers[layer] ?? layer,
          }),
          summary: gettext("Latest report: %(values)s.", { values: listText(last) }),
          kind: "stacked",
          x: {
            kind: "category",
            labels: reportLabels(reports),
            label: gettext("Report"),
            sequence: true,
          },
          series: TIERS.map((tier) => ({ label: TIER_NAMES[tier](), values: shares[tier] })),
          range: [0, 1],
          format: (v) => fmt().percent(v),
          height: 160,
        }),
      );
    }
    nodes.push(...answer.confidence.map(confidenceLine));
    if (answer.pairs.length > 0) nodes.push(pairsTable(answer.pairs));
    return nodes;
  }

  override dispose(): void {
    super.dispose();
    clearTimeout(this.#jobTimer);
    this.#jobId = null;
  }

  async #start(): Promise<void> {
    this.#compute.disabled = true;
    try {
      const job = await this.ctx.api.post<AgreementJob>(`projects/${this.ctx.slug}/agreement/`);
      this.ctx.say(gettext("Agreement is being computed."));
      this.#follow(job);
    } catch (error) {
      this.#compute.disabled = false;
      this.ctx.say(
        gettext("Agreement could not be computed: %(message)s", { message: messageOf(error) }),
        true,
      );
    }
  }

  /** Shows the computation's progress and checks it every POLL_MS until it ends. */
  #follow(job: AgreementJob): void {
    if (this.#jobId === job.id) return;
    this.#jobId = job.id;
    this.#update(job);
  }

  #update(job: AgreementJob): void {
    this.#show(job);
    if (job.status === "pending" || job.status === "running") {
      this.#jobTimer = setTimeout(() => void this.#poll(job.id), POLL_MS);
      return;
    }
    this.#jobId = null;
    if (job.status === "done") {
      this.ctx.say(gettext("Agreement computed."));
      this.ctx.reload("agreement", "annotators");
    } else {
      this.ctx.say(
        gettext("Agreement could not be computed: %(message)s", { message: job.error }),
        true,
      );
    }
  }

  async #poll(id: number): Promise<void> {
    try {
      const job = await this.ctx.api.get<AgreementJob>(
        `projects/${this.ctx.slug}/agreement/${id}/`,
      );
      if (this.#jobId === id) this.#update(job);
    } catch (error) {
      if (this.#jobId !== id) return;
      if (error instanceof ApiError && error.transient) {
        this.#jobTimer = setTimeout(() => void this.#poll(id), POLL_MS);
        return;
      }
      this.#update({ id, status: "failed", processed: 0, total: 0, error: messageOf(error) });
    }
  }

  #show(job: AgreementJob): void {
    const running = job.status === "pending" || job.status === "running";
    this.#compute.disabled = running;
    this.#job.hidden = job.status === "done";
    this.#job.classList.toggle("error", job.status === "failed");
    this.#progress.hidden = !running;
    if (job.total > 0) this.#progress.value = job.processed / job.total;
    else this.#progress.removeAttribute("value");
    this.#jobText.textContent =
      job.status === "failed"
        ? gettext("The computation failed: %(error)s", { error: job.error })
        : job.status === "pending"
          ? gettext("Waiting for a worker…")
          : gettext("Computing agreement: %(processed)s of %(total)s clips", {
              processed: fmt().count(job.processed),
              total: fmt().count(job.total),
            });
  }
}

/** Reports by day, or by day and time when a day has several. */
function reportLabels(reports: readonly AgreementPoint[]): string[] {
  const days = reports.map((r) => fmt().day(new Date(r.at)));
  if (new Set(days).size === days.length) return days;
  return reports.map((r, i) => `${days[i]}\n${fmt().clock(new Date(r.at))}`);
}

function confidenceLine(c: DsConfidence): HTMLElement {
  const d = (v: number | null): string => fmt().decimal(v);
  return el(
    "p",
    {},
    gettext("Dawid–Skene confidence (%(layer)s): mean %(mean)s, median %(median)s, std %(std)s.", {
      layer: c.layer,
      mean: d(c.mean),
      median: d(c.median),
      std: d(c.std),
    }),
  );
}

/** The latest report per annotator pair: what a paper's agreement table prints. */
function pairsTable(pairs: readonly AgreementPair[]): HTMLElement {
  const headers = [
    gettext("Annotators"),
    gettext("Layer"),
    gettext("Clips both labelled"),
    gettext("Figure"),
    gettext("Value"),
  ];
  const rows = pairs.map((p) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, gettext("%(a)s – %(b)s", { a: p.a, b: p.b })),
      el("td", { class: "text" }, p.layer),
      el("td", {}, fmt().count(p.n_items)),
      el("td", { class: "text" }, p.figure),
      el("td", {}, fmt().decimal(p.value)),
    ),
  );
  return el(
    "table",
    { class: "figures" },
    el("caption", {}, gettext("Agreement per annotator pair (latest report)")),
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows),
  );
}
