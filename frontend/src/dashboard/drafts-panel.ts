import { ApiError } from "../api/client";
import { fmt } from "../charts/format";
import { gettext } from "../i18n";
import { el } from "../workspace/task";
import {
  type Anchoring,
  comparesSets,
  comparisonRows,
  type DraftsReport,
  type DraftsSetting,
  type LayerReport,
  type ModelRun,
  parseSetting,
  provenanceLine,
  type RunsAnswer,
  runChoices,
  SETTING_CONTROLS,
  type SettingControl,
  sharePercent,
} from "./drafts-shaping";
import { errorTarget, errorText } from "./field-errors";
import { Field, input, select } from "./forms";
import { type DashboardContext, messageOf, Panel, stat } from "./panel";

interface DraftsAnswer {
  readonly report: DraftsReport;
  readonly runs: RunsAnswer;
}

const IMPORT_CONTROLS = ["model_name", "model_version", "config_id", "run_date", "files"] as const;
type ImportControl = (typeof IMPORT_CONTROLS)[number];

/**
 * Model drafts: the drafts setting (hidden, or pre-filled from a run on a share of claims),
 * importing a run, the latest run's provenance, how each annotator and the people's
 * aggregate agree with the model per layer, and the anchoring effect (agreement with the
 * model when drafts were shown vs hidden).
 */
export class DraftsPanel extends Panel<DraftsAnswer> {
  /** The user has typed in a form since it was drawn. */
  #edited = false;

  constructor(ctx: DashboardContext) {
    super(ctx, "drafts", gettext("Model drafts"));
    this.content.addEventListener("input", () => {
      this.#edited = true;
    });
  }

  /** Unsaved input survives "Refresh". */
  override load(quiet = false): Promise<boolean> {
    return this.#edited ? Promise.resolve(true) : super.load(quiet);
  }

  protected async fetch(): Promise<DraftsAnswer> {
    const base = `projects/${this.ctx.slug}`;
    const [report, runs] = await Promise.all([
      this.ctx.api.get<DraftsReport>(`${base}/drafts/report/`),
      this.ctx.api.get<RunsAnswer>(`${base}/model-runs/`),
    ]);
    return { report, runs };
  }

  protected render({ report, runs }: DraftsAnswer): Node[] {
    this.#edited = false;
    const setting = this.#settingForm(runs);
    const importer = this.#importForm();
    if (!report.run)
      return [el("p", {}, gettext("No model run imported yet.")), setting, importer];
    const shown = report.shown ?? 0;
    return [
      provenance(report.run, report),
      setting,
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
      importer,
    ];
  }

  #settingForm({ runs, setting }: RunsAnswer): HTMLElement {
    const fields: Record<SettingControl, Field> = {
      drafts: new Field(
        select("drafts-mode", "drafts", [
          ["hidden", gettext("Hidden from annotators")],
          ["prefill", gettext("Pre-fill the label form")],
        ]),
        gettext("Annotators see"),
      ),
      run: new Field(select("drafts-run", "run", runChoices(runs)), gettext("Drafts of run")),
      share: new Field(
        input("drafts-share", "share", { type: "number", min: "0", max: "100", step: "any" }),
        gettext("Share of claims pre-filled (percent)"),
        gettext("The others stay blank, so that the anchoring effect can be measured."),
      ),
    };
    fields.drafts.control.value = setting.drafts;
    fields.run.control.value = String(setting.run ?? runChoices(runs)[0]?.[0] ?? "");
    fields.share.control.value = sharePercent(setting.share);
    const showPrefill = (): void => {
      fields.run.root.hidden = fields.share.root.hidden = fields.drafts.control.value !== "prefill";
    };
    fields.drafts.control.addEventListener("change", showPrefill);
    showPrefill();
    const formError = el("p", { class: "message error", hidden: "" });
    const save = el(
      "button",
      { type: "submit", class: "primary", "data-action": "save-drafts" },
      gettext("Save drafts setting"),
    );
    const form = el(
      "form",
      {
        class: "release-form drafts-setting",
        novalidate: "",
        "aria-label": gettext("Drafts setting"),
      },
      ...SETTING_CONTROLS.map((c) => fields[c].root),
      formError,
      save,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      for (const field of Object.values(fields)) field.showError(null);
      formError.hidden = true;
      const parsed = parseSetting(
        fields.drafts.control.value,
        fields.run.control.value,
        fields.share.text,
      );
      if (!parsed.ok) {
        fields[parsed.control].showError(parsed.message);
        fields[parsed.control].control.focus();
        return;
      }
      void this.#submit(
        form,
        save,
        () => this.#saveSetting(parsed.setting),
        (error) =>
          this.#refused(error, fields, formError, SETTING_CONTROLS, (message) =>
            gettext("Drafts setting not saved: %(message)s", { message }),
          ),
      );
    });
    return form;
  }

  #importForm(): HTMLElement {
    const fields: Record<ImportControl, Field> = {
      model_name: new Field(
        input("run-model_name", "model_name", { required: "", maxlength: "200" }),
        gettext("Model name"),
      ),
      model_version: new Field(
        input("run-model_version", "model_version", { maxlength: "100" }),
        gettext("Model version"),
      ),
      config_id: new Field(
        input("run-config_id", "config_id", { maxlength: "200" }),
        gettext("Configuration (prompt) id"),
      ),
      run_date: new Field(input("run-run_date", "run_date", { type: "date" }), gettext("Run date")),
      files: new Field(
        input("run-files", "files", {
          type: "file",
          multiple: "",
          required: "",
          accept: ".jsonl,.csv,.json",
        }),
        gettext("Prediction files"),
        gettext("JSONL or CSV with a clip_id per record, or EmoS <film>.emotion.json files."),
      ),
    };
    const formError = el("p", { class: "message error", hidden: "" });
    const submit = el(
      "button",
      { type: "submit", class: "primary", "data-action": "import-run" },
      gettext("Import run"),
    );
    const form = el(
      "form",
      {
        class: "release-form drafts-import",
        novalidate: "",
        "aria-label": gettext("Import a model run"),
      },
      el("h3", {}, gettext("Import a model run")),
      ...IMPORT_CONTROLS.map((c) => fields[c].root),
      formError,
      submit,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      for (const field of Object.values(fields)) field.showError(null);
      formError.hidden = true;
      const body = new FormData(form);
      // An empty date is no date, not an invalid one.
      if (!fields.run_date.control.value) body.delete("run_date");
      void this.#submit(
        form,
        submit,
        () => this.#importRun(body, submit),
        (error) =>
          this.#refused(error, fields, formError, IMPORT_CONTROLS, (message) =>
            gettext("Run not imported: %(message)s", { message }),
          ),
      );
    });
    return form;
  }

  async #saveSetting(body: DraftsSetting): Promise<void> {
    await this.ctx.api.put(`projects/${this.ctx.slug}/drafts/`, body);
    this.ctx.say(gettext("Drafts setting saved"));
    this.#edited = false;
    await this.load(true);
  }

  async #importRun(body: FormData, button: HTMLButtonElement): Promise<void> {
    button.textContent = gettext("Importing…");
    const run = await this.ctx.api.postForm<ModelRun>(
      `projects/${this.ctx.slug}/model-runs/`,
      body,
    );
    this.ctx.say(
      gettext("Run #%(id)s imported: %(n)s drafts", { id: run.id, n: fmt().count(run.n_drafts) }),
    );
    this.#edited = false;
    await this.load(true);
  }

  /** Runs `action` with the form busy and its button off; a refusal goes to `refused`. */
  async #submit(
    form: HTMLElement,
    button: HTMLButtonElement,
    action: () => Promise<void>,
    refused: (error: unknown) => void,
  ): Promise<void> {
    const label = button.textContent;
    form.setAttribute("aria-busy", "true");
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      refused(error);
    } finally {
      form.removeAttribute("aria-busy");
      button.disabled = false;
      button.textContent = label;
    }
  }

  /** The server's reason at the control it names ("file" is the files input), else the form's. */
  #refused<C extends string>(
    error: unknown,
    fields: Record<C, Field>,
    formError: HTMLElement,
    controls: readonly C[],
    summary: (message: string) => string,
  ): void {
    const target = errorTarget(error instanceof ApiError ? error.field : null, controls, {
      file: "files",
    });
    const message = errorText(target, messageOf(error));
    if (target.control) {
      const field = fields[target.control as C];
      field.showError(message);
      field.control.focus();
    } else {
      formError.textContent = message;
      formError.hidden = false;
    }
    this.ctx.say(summary(messageOf(error)), true);
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
