import { fmt } from "../charts/format";
import { gettext } from "../i18n";
import { el } from "../workspace/task";
import { type DashboardContext, Panel } from "./panel";
import type { ImportJob, ImportsAnswer } from "./types";

/** Clip and label imports, newest first; followed while any runs. */
export class ImportsPanel extends Panel<ImportsAnswer> {
  constructor(ctx: DashboardContext) {
    super(ctx, "imports", gettext("Imports"));
  }

  protected fetch(): Promise<ImportsAnswer> {
    return this.ctx.api.get(`projects/${this.ctx.slug}/dashboard/imports/`);
  }

  protected override running(data: ImportsAnswer): boolean {
    return data.jobs.some((job) => job.status === "running");
  }

  protected render({ jobs }: ImportsAnswer): Node[] {
    if (jobs.length === 0) return [el("p", {}, gettext("No import yet."))];
    return [el("ul", { class: "jobs" }, ...jobs.map(jobItem))];
  }
}

function jobItem(job: ImportJob): HTMLElement {
  const titleId = `dashboard-import-${job.id}`;
  const title =
    job.kind === "clips"
      ? gettext("Clip import #%(id)s", { id: job.id })
      : gettext("Label import #%(id)s", { id: job.id });
  const status = {
    running: () => gettext("running"),
    done: () => gettext("done"),
    failed: () => gettext("failed"),
  }[job.status]();
  const item = el(
    "li",
    { class: `job ${job.status}`, "data-status": job.status },
    el("strong", { id: titleId }, title),
    " ",
    el("span", { class: "status badge" }, status),
  );
  if (job.status === "running") {
    // Without a total yet, an indeterminate bar (no value).
    const bar = el("progress", { "aria-labelledby": titleId, max: String(job.total || 1) });
    if (job.total > 0) bar.value = job.processed;
    item.append(bar);
  }
  if (job.summary) item.append(el("p", {}, job.summary));
  item.append(
    el(
      "p",
      { class: "note" },
      job.finished_at
        ? gettext("Started %(start)s, finished %(end)s", {
            start: fmt().moment(new Date(job.created_at)),
            end: fmt().moment(new Date(job.finished_at)),
          })
        : gettext("Started %(start)s", {
            start: fmt().moment(new Date(job.created_at)),
          }),
    ),
  );
  return item;
}
