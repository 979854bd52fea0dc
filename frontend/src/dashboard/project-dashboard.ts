import { ApiClient } from "../api/client";
import { gettext } from "../i18n";
import { langOf } from "../model/labels";
import { el } from "../workspace/task";
import { AgreementPanel } from "./agreement-panel";
import { AnnotatorsPanel } from "./annotators-panel";
import { DraftsPanel } from "./drafts-panel";
import { ImportsPanel } from "./imports-panel";
import type { DashboardContext, Panel } from "./panel";
import { ProgressPanel } from "./progress-panel";
import { ReleasesPanel } from "./releases-panel";
import { RoutingPanel } from "./routing-panel";
import { SettingsPanel } from "./settings-panel";

/**
 * `<project-dashboard data-project="slug" data-api="/api/" data-csrf="…" data-language="en">`
 *
 * The admin's view of a project: progress, agreement over time, annotators,
 * routing, imports, releases and settings. Each panel loads on its own;
 * "Refresh" reloads them all, and messages go to one live region.
 */
export class ProjectDashboardElement extends HTMLElement {
  #panels: Panel<unknown>[] = [];
  readonly #message = el("p", { class: "message", role: "status" });
  readonly #refresh = el(
    "button",
    { type: "button", "data-action": "refresh" },
    gettext("Refresh"),
  );

  connectedCallback(): void {
    const ctx: DashboardContext = {
      api: new ApiClient(this.dataset.api ?? "/api/", this.dataset.csrf ?? ""),
      slug: this.dataset.project ?? "",
      lang: langOf(this.dataset.language || document.documentElement.lang),
      say: (message, error = false) => this.#say(message, error),
      reload: (...keys) => {
        for (const panel of this.#panels) if (keys.includes(panel.key)) void panel.load();
      },
    };
    this.#panels = [
      new ProgressPanel(ctx),
      new AgreementPanel(ctx),
      new RoutingPanel(ctx),
      new AnnotatorsPanel(ctx),
      new DraftsPanel(ctx),
      new ImportsPanel(ctx),
      new ReleasesPanel(ctx),
      new SettingsPanel(ctx),
    ];
    this.#refresh.onclick = () => void this.#reloadAll();
    this.replaceChildren(
      el("div", { class: "dashboard-bar" }, this.#refresh, this.#message),
      el("div", { class: "dashboard-panels" }, ...this.#panels.map((p) => p.root)),
    );
    for (const panel of this.#panels) void panel.load();
  }

  disconnectedCallback(): void {
    for (const panel of this.#panels) panel.dispose();
    this.#panels = [];
  }

  async #reloadAll(): Promise<void> {
    this.#refresh.disabled = true;
    this.#say(gettext("Refreshing…"));
    const results = await Promise.all(this.#panels.map((p) => p.load()));
    this.#refresh.disabled = false;
    if (results.every(Boolean)) this.#say(gettext("Dashboard refreshed."));
    else this.#say(gettext("Some panels could not be loaded."), true);
  }

  #say(message: string, error = false): void {
    this.#message.classList.toggle("error", error);
    // The same text again is no change to a live region: empty it first so it is read again.
    if (this.#message.textContent === message) {
      this.#message.textContent = "";
      requestAnimationFrame(() => (this.#message.textContent = message));
    } else this.#message.textContent = message;
  }
}
