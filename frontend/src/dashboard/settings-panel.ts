import { ApiError } from "../api/client";
import { gettext } from "../i18n";
import { el } from "../workspace/task";
import { errorTarget, errorText } from "./field-errors";
import { type Control, Field, input, select } from "./forms";
import { type DashboardContext, messageOf, Panel } from "./panel";
import {
  type FormValues,
  parseSettings,
  SETTINGS_CONTROLS,
  type SettingsControl,
  settingsChanges,
  formValues,
} from "./settings-form";
import type { ProjectAnswer, ProjectSettings } from "./types";

/**
 * The project's settings. Save sends only what changed; a refused value is
 * marked at its input with the reason, the user's text kept. A saved routing
 * rule re-routes clips, so the progress and routing panels reload.
 */
export class SettingsPanel extends Panel<ProjectAnswer> {
  #saved: ProjectSettings | null = null;
  #fields: Record<SettingsControl, Field> | null = null;
  readonly #formError = el("p", { class: "message error", hidden: "" });

  constructor(ctx: DashboardContext) {
    super(ctx, "settings", gettext("Project settings"));
  }

  /** Unsaved edits survive "Refresh". */
  override load(quiet = false): Promise<boolean> {
    return this.#dirty() ? Promise.resolve(true) : super.load(quiet);
  }

  protected fetch(): Promise<ProjectAnswer> {
    return this.ctx.api.get(`projects/${this.ctx.slug}/`);
  }

  protected render(project: ProjectAnswer): Node[] {
    this.#saved = project;
    const fields = buildFields();
    this.#fields = fields;
    this.#fill(formValues(project));
    // The adaptive inputs only where they apply.
    const strategy = fields.overlap_strategy.control;
    const showAdaptive = (): void => {
      for (const c of ["overlap_threshold", "overlap_k_max", "overlap_min_labels"] as const)
        fields[c].root.hidden = strategy.value !== "adaptive";
    };
    strategy.addEventListener("change", showAdaptive);
    showAdaptive();
    const save = el(
      "button",
      { type: "submit", class: "primary", "data-action": "save-settings" },
      gettext("Save settings"),
    );
    const group = (legend: string, ...controls: SettingsControl[]): HTMLElement =>
      el("fieldset", {}, el("legend", {}, legend), ...controls.map((c) => fields[c].root));
    const form = el(
      "form",
      { class: "settings-form", novalidate: "", "aria-label": gettext("Project settings") },
      group(
        gettext("Assignment"),
        "overlap_k",
        "overlap_strategy",
        "overlap_threshold",
        "overlap_k_max",
        "overlap_min_labels",
        "lease_minutes",
        "per_user_cap",
      ),
      group(
        gettext("Quality control"),
        "control_rate",
        "qualification_controls",
        "qualification_pass",
        "pause_floor",
        "pause_min_controls",
      ),
      group(
        gettext("Routing rule"),
        "aggregator",
        "accept_unanimous",
        "min_confidence",
        "medium_confidence",
        "min_trace_ccc",
      ),
      group(gettext("Label schema"), "label_schema"),
      group(gettext("Trace"), "trace_config"),
      this.#formError,
      save,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.#save(save);
    });
    return [form];
  }

  #values(): FormValues | null {
    const fields = this.#fields;
    if (!fields) return null;
    const texts = Object.fromEntries(SETTINGS_CONTROLS.map((c) => [c, fields[c].text]));
    const unanimous = (fields.accept_unanimous.control as HTMLInputElement).checked;
    return { ...texts, accept_unanimous: unanimous } as FormValues;
  }

  #fill(values: FormValues): void {
    for (const c of SETTINGS_CONTROLS) {
      const control = this.#fields![c].control;
      const value = values[c];
      if (typeof value === "boolean") (control as HTMLInputElement).checked = value;
      else control.value = value;
    }
  }

  #dirty(): boolean {
    const values = this.#values();
    if (!values || !this.#saved) return false;
    const parsed = parseSettings(values, this.#saved);
    return !parsed.ok || Object.keys(settingsChanges(this.#saved, parsed.settings)).length > 0;
  }

  async #save(button: HTMLButtonElement): Promise<void> {
    const fields = this.#fields;
    const values = this.#values();
    const saved = this.#saved;
    if (!fields || !values || !saved) return;
    for (const field of Object.values(fields)) field.showError(null);
    this.#formError.hidden = true;

    const parsed = parseSettings(values, saved);
    if (!parsed.ok) {
      for (const { control, message } of parsed.errors) fields[control].showError(message);
      fields[parsed.errors[0]!.control].control.focus();
      this.ctx.say(gettext("Settings not saved: correct the marked fields."), true);
      return;
    }
    const changes = settingsChanges(saved, parsed.settings);
    if (Object.keys(changes).length === 0) {
      this.ctx.say(gettext("Nothing to save: the settings are unchanged."));
      return;
    }
    button.disabled = true;
    try {
      const project = await this.ctx.api.patch<ProjectAnswer>(
        `projects/${this.ctx.slug}/settings/`,
        changes,
      );
      this.#saved = project;
      this.#fill(formValues(project));
      this.ctx.say(gettext("Settings saved"));
      this.ctx.reload("progress", "routing");
    } catch (error) {
      this.#refused(error, fields);
    } finally {
      button.disabled = false;
    }
  }

  #refused(error: unknown, fields: Record<SettingsControl, Field>): void {
    const target = errorTarget(error instanceof ApiError ? error.field : null, SETTINGS_CONTROLS);
    const message = errorText(target, messageOf(error));
    if (target.control) {
      const field = fields[target.control as SettingsControl];
      field.showError(message);
      field.control.focus();
    } else {
      this.#formError.textContent = message;
      this.#formError.hidden = false;
    }
    this.ctx.say(gettext("Settings not saved: %(message)s", { message: messageOf(error) }), true);
  }
}

function buildFields(): Record<SettingsControl, Field> {
  const id = (c: SettingsControl): string => `settings-${c}`;
  const number = (c: SettingsControl, attributes: Record<string, string>): Control =>
    input(id(c), c, { type: "number", ...attributes });
  const json = (c: SettingsControl): Control =>
    el("textarea", { id: id(c), name: c, rows: "12", spellcheck: "false", class: "json" });
  return {
    overlap_k: new Field(
      number("overlap_k", { min: "1", max: "50", step: "1" }),
      gettext("Annotators per clip (overlap k)"),
    ),
    overlap_strategy: new Field(
      select(id("overlap_strategy"), "overlap_strategy", [
        ["fixed", gettext("Fixed: k labels per clip")],
        ["adaptive", gettext("Adaptive: more labels only while the model is unsure")],
      ]),
      gettext("Labels per clip"),
      gettext(
        "Adaptive: a static clip gets another annotator while its Dawid–Skene posterior is below the threshold, up to the most labels; the most informative clips come first.",
      ),
    ),
    overlap_threshold: new Field(
      number("overlap_threshold", { min: "0", max: "1", step: "0.01" }),
      gettext("Adaptive: accept at this posterior (0–1)"),
    ),
    overlap_k_max: new Field(
      number("overlap_k_max", { min: "1", max: "50", step: "1" }),
      gettext("Adaptive: most labels per clip"),
      gettext("A clip still unsure with this many labels goes to adjudication."),
    ),
    overlap_min_labels: new Field(
      number("overlap_min_labels", { min: "1", max: "50", step: "1" }),
      gettext("Adaptive: fewest labels per clip"),
    ),
    lease_minutes: new Field(
      number("lease_minutes", { min: "1", max: "1440", step: "1" }),
      gettext("Lease (minutes)"),
      gettext("How long a clip stays reserved for the annotator who took it."),
    ),
    per_user_cap: new Field(
      number("per_user_cap", { min: "1", step: "1" }),
      gettext("Clips per annotator at most"),
      gettext("Leave empty for no cap."),
    ),
    control_rate: new Field(
      number("control_rate", { min: "0", max: "1000", step: "1" }),
      gettext("One clip in N is a control item"),
      gettext("Controls have a known answer and measure each annotator; 0 serves none."),
    ),
    qualification_controls: new Field(
      number("qualification_controls", { min: "0", max: "1000", step: "1" }),
      gettext("Qualification round: control items"),
      gettext("A new annotator answers this many controls before real clips; 0: no round."),
    ),
    qualification_pass: new Field(
      number("qualification_pass", { min: "0", max: "1", step: "0.05" }),
      gettext("Qualification pass mark (share right, 0–1)"),
    ),
    pause_floor: new Field(
      number("pause_floor", { min: "0", max: "1", step: "0.05" }),
      gettext("Pause below this control accuracy (0–1)"),
      gettext(
        "An annotator is paused once the whole 95% interval of their accuracy lies below it; 0: never.",
      ),
    ),
    pause_min_controls: new Field(
      number("pause_min_controls", { min: "1", max: "1000", step: "1" }),
      gettext("Controls answered before pausing"),
    ),
    aggregator: new Field(
      select(id("aggregator"), "aggregator", [
        ["majority", gettext("Majority vote")],
        ["dawid_skene", gettext("Dawid–Skene")],
      ]),
      gettext("Aggregator"),
    ),
    accept_unanimous: new Field(
      input(id("accept_unanimous"), "accept_unanimous", { type: "checkbox" }),
      gettext("Accept clips on which all annotators agree"),
    ),
    min_confidence: new Field(
      number("min_confidence", { min: "0", max: "1", step: "0.01" }),
      gettext("Minimum confidence (0–1)"),
      gettext("Clips whose aggregate is less confident go to adjudication."),
    ),
    medium_confidence: new Field(
      number("medium_confidence", { min: "0", max: "1", step: "0.01" }),
      gettext("Medium-tier confidence (0–1)"),
    ),
    min_trace_ccc: new Field(
      number("min_trace_ccc", { min: "-1", max: "1", step: "0.01" }),
      gettext("Minimum trace CCC (−1 to 1)"),
      gettext("Leave empty to turn the trace agreement check off."),
    ),
    label_schema: new Field(json("label_schema"), gettext("Label schema (JSON)")),
    trace_config: new Field(json("trace_config"), gettext("Trace configuration (JSON)")),
  };
}
