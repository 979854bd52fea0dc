import { fmt, labelledValue } from "../charts/format";
import { describeError } from "../api/client";
import { gettext, interpolate, ngettext } from "../i18n";
import { bilingualText, listText } from "../model/labels";
import { el } from "../workspace/task";
import { type DashboardContext, Panel } from "./panel";
import { labelShares, mostChosen, radarSeries, throughputSplit } from "./shaping";
import type { AnnotatorsAnswer } from "./types";

interface WithdrawAnswer {
  labels: number;
  reopened: number;
}

/**
 * Per annotator: submissions, agreement with the aggregate, label
 * distribution, a radar of their profile, and the figures as a table.
 */
export class AnnotatorsPanel extends Panel<AnnotatorsAnswer> {
  constructor(ctx: DashboardContext) {
    super(ctx, "annotators", gettext("Annotators"));
  }

  protected fetch(): Promise<AnnotatorsAnswer> {
    return this.ctx.api.get(`projects/${this.ctx.slug}/dashboard/annotators/`);
  }

  protected render(answer: AnnotatorsAnswer): Node[] {
    const source = el(
      "p",
      { class: "note" },
      answer.report
        ? gettext("Agreement figures come from the report of %(date)s.", {
            date: fmt().moment(new Date(answer.report.at)),
          })
        : gettext("No agreement report yet: agreement figures appear after the first one."),
    );
    if (answer.annotators.length === 0)
      return [source, el("p", {}, gettext("No annotator has submitted work yet."))];

    const names = answer.annotators.map((a) => a.username);
    const n = fmt().count;
    const split = throughputSplit(answer);
    const accuracy = answer.annotators.map((a) => a.accuracy_vs_aggregate);
    const labels = labelShares(answer);
    const top = mostChosen(labels);
    const topText = answer.annotators.map((a, i) => {
      const best = top[i];
      return best
        ? gettext("%(name)s: mostly %(label)s (%(share)s)", {
            name: a.username,
            label: bilingualText(best.label, this.ctx.lang),
            share: fmt().percent(best.share),
          })
        : gettext("%(name)s: no labels", { name: a.username });
    });

    const radar = el("radar-chart");
    radar.data = {
      caption: gettext("Annotator profiles (each axis from 0 to 1)"),
      legend: gettext("Show annotators"),
      axes: answer.radar.axes.map((a) => a.label),
      series: radarSeries(answer),
    };

    return [
      source,
      el(
        "div",
        { class: "chart-grid" },
        this.chart({
          caption: gettext("Submissions per annotator"),
          summary: listText(
            answer.annotators.map((a) => labelledValue(a.username, n(a.submitted))),
          ),
          kind: "stacked",
          x: { kind: "category", labels: names, label: gettext("Annotator"), rows: true },
          series: [
            { label: gettext("Before the last 7 days"), values: split.earlier },
            { label: gettext("Last 7 days"), values: split.recent },
          ],
        }),
        this.chart({
          caption: gettext("Agreement with the aggregate label (share of clips)"),
          summary: listText(
            answer.annotators.map((a) =>
              labelledValue(a.username, fmt().decimal(a.accuracy_vs_aggregate)),
            ),
          ),
          kind: "bars",
          x: { kind: "category", labels: names, label: gettext("Annotator"), rows: true },
          series: [{ label: gettext("Agreement with the aggregate"), values: accuracy }],
          range: [0, 1],
          format: (v) => fmt().decimal(v),
        }),
        this.chart({
          caption: gettext("Label distribution per annotator: %(layer)s", {
            layer: answer.layer_title,
          }),
          summary: listText(topText),
          kind: "stacked",
          x: { kind: "category", labels: names, label: gettext("Annotator"), rows: true },
          series: labels.labels.map((label, j) => ({
            label: bilingualText(label, this.ctx.lang),
            values: labels.columns[j]!,
          })),
          range: [0, 1],
          format: (v) => fmt().percent(v),
          height: 240,
        }),
        radar,
      ),
      this.#table(answer),
      this.#quality(answer),
    ];
  }

  /** Live quality from control items, and the pause with its lift button. */
  #quality(answer: AnnotatorsAnswer): HTMLElement {
    const p = fmt().percent;
    const headers = [
      gettext("Annotator"),
      gettext("Control items right"),
      gettext("Accuracy on controls (95% interval)"),
      gettext("Seconds per control (median)"),
      gettext("Expected accuracy (Dawid–Skene)"),
      gettext("Paused"),
      gettext("Actions"),
    ];
    const rows = answer.annotators.map((a) => {
      const accuracy = a.control_interval
        ? `${p(a.control_accuracy)} (${p(a.control_interval[0] ?? null)}–${p(a.control_interval[1] ?? null)})`
        : "—";
      const pause: (Node | string)[] = [];
      if (a.paused) {
        const lift = el(
          "button",
          { type: "button", "data-action": "lift-pause" },
          gettext("Lift the pause"),
        );
        lift.addEventListener("click", () => void this.#lift(lift, a.user_id));
        pause.push(el("span", {}, a.paused.reason), " ", lift);
      }
      return el(
        "tr",
        { "data-user": a.username },
        el("th", { scope: "row" }, a.username),
        el("td", {}, `${fmt().count(a.controls_correct)} / ${fmt().count(a.controls)}`),
        el("td", {}, accuracy),
        el("td", {}, fmt().decimal(a.median_seconds)),
        el("td", {}, ...this.#dsAccuracy(a.ds_accuracy, a.ds_confusion)),
        el("td", {}, ...(pause.length ? pause : [gettext("No")])),
        el("td", {}, ...this.#actions(a.user_id, a.username)),
      );
    });
    return el(
      "table",
      { class: "figures", "data-table": "quality" },
      el("caption", {}, gettext("Quality control per annotator (control items)")),
      el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows),
    );
  }

  /** The model's expected accuracy, its confusion matrix unfolded on demand. */
  #dsAccuracy(accuracy: number | null, confusion: number[][] | null): (Node | string)[] {
    if (accuracy === null || !confusion) return ["—"];
    const p = fmt().percent;
    const matrix = el(
      "table",
      { class: "figures confusion" },
      el("caption", {}, gettext("Rows: true class; columns: label given")),
      el(
        "tbody",
        {},
        ...confusion.map((row) => el("tr", {}, ...row.map((v) => el("td", {}, p(v))))),
      ),
    );
    return [
      p(accuracy),
      el("details", {}, el("summary", {}, gettext("Confusion matrix")), matrix),
    ];
  }

  /** Re-qualify (a new qualification round) and send labels for re-annotation. */
  #actions(userId: number, username: string): HTMLElement[] {
    const requalify = el(
      "button",
      { type: "button", "data-action": "requalify" },
      gettext("Re-qualify"),
    );
    requalify.addEventListener("click", () =>
      void this.#post(
        requalify,
        `projects/${this.ctx.slug}/qualifications/${userId}/`,
        () => gettext("A new qualification round is open for %(user)s.", { user: username }),
        gettext("No new qualification round: %(message)s"),
      ),
    );
    const withdraw = el(
      "button",
      { type: "button", "data-action": "withdraw-labels" },
      gettext("Send labels for re-annotation"),
    );
    withdraw.addEventListener("click", () => {
      const question = gettext(
        "Withdraw the labels %(user)s gave while below the floor? They are kept, marked withdrawn, and their clips go to other annotators.",
        { user: username },
      );
      if (!window.confirm(question)) return;
      void this.#post<WithdrawAnswer>(
        withdraw,
        `projects/${this.ctx.slug}/annotators/${userId}/withdraw/`,
        (done) =>
          ngettext(
            "%(labels)s label sent for re-annotation; decided clips back in the queue: %(reopened)s.",
            "%(labels)s labels sent for re-annotation; decided clips back in the queue: %(reopened)s.",
            done.labels,
            { labels: fmt().count(done.labels), reopened: fmt().count(done.reopened) },
          ),
        gettext("No labels withdrawn: %(message)s"),
      );
    });
    return [requalify, withdraw];
  }

  async #post<T>(
    button: HTMLButtonElement,
    path: string,
    said: (answer: T) => string,
    failed: string,
  ): Promise<void> {
    button.disabled = true;
    try {
      this.ctx.say(said(await this.ctx.api.post<T>(path)));
      void this.load();
    } catch (error) {
      this.ctx.say(interpolate(failed, { message: describeError(error) }), true);
    } finally {
      button.disabled = false;
    }
  }

  async #lift(button: HTMLButtonElement, userId: number): Promise<void> {
    button.disabled = true;
    try {
      await this.ctx.api.post(`projects/${this.ctx.slug}/pauses/${userId}/lift/`);
      this.ctx.say(gettext("The pause was lifted."));
      void this.load();
    } catch (error) {
      button.disabled = false;
      this.ctx.say(
        gettext("The pause could not be lifted: %(message)s", { message: describeError(error) }),
        true,
      );
    }
  }

  #table(answer: AnnotatorsAnswer): HTMLElement {
    const n = fmt().count;
    const d = (v: number | null): string => fmt().decimal(v);
    const headers = [
      gettext("Annotator"),
      gettext("Submitted"),
      gettext("Last 7 days"),
      gettext("Agreement with the aggregate"),
      gettext("κ against gold"),
      gettext("Label entropy (normalised)"),
      gettext("Unsure"),
    ];
    const rows = answer.annotators.map((a) =>
      el(
        "tr",
        {},
        el("th", { scope: "row" }, a.username),
        ...[
          n(a.submitted),
          n(a.last_7_days),
          d(a.accuracy_vs_aggregate),
          d(a.kappa_vs_gold),
          d(a.entropy_normalised),
          fmt().percent(a.unsure_share),
        ].map((text) => el("td", {}, text)),
      ),
    );
    return el(
      "table",
      { class: "figures" },
      el("caption", {}, gettext("Figures per annotator")),
      el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows),
    );
  }
}
