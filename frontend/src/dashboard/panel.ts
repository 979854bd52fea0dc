import type { ApiClient } from "../api/client";
import { ApiError } from "../api/client";
import { Chart, type ChartSpec } from "../charts/chart";
import { gettext } from "../i18n";
import type { Lang } from "../model/labels";
import { el } from "../workspace/task";

export type PanelKey =
  | "progress"
  | "agreement"
  | "annotators"
  | "routing"
  | "imports"
  | "releases"
  | "settings"
  | "drafts";

/** What panels share: the API, the project, the status line, and each other. */
export interface DashboardContext {
  readonly api: ApiClient;
  readonly slug: string;
  /** Language of label names (the element's data-language). */
  readonly lang: Lang;
  /** A message in the dashboard's live region. */
  say(message: string, error?: boolean): void;
  /** Reloads other panels, after a change that alters what they show. */
  reload(...keys: PanelKey[]): void;
}

/** Running work (imports, builds, computations) is checked this often. */
export const POLL_MS = 3000;

/**
 * A dashboard panel: a titled section that loads on its own, shows
 * "Loading…" and then its content or its error, and reloads itself quietly
 * every POLL_MS while `running` says there is work in progress. A newer load
 * wins over an older one still under way.
 */
export abstract class Panel<T> {
  readonly root: HTMLElement;
  /** Beside the title: the panel's buttons. */
  protected readonly actions = el("div", { class: "panel-actions" });
  /** What each load replaces. */
  protected readonly content = el("div", { class: "panel-content" });
  readonly #charts: Chart[] = [];
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    protected readonly ctx: DashboardContext,
    readonly key: PanelKey,
    title: string,
  ) {
    const headingId = `dashboard-${key}-title`;
    this.root = el(
      "section",
      { class: `panel panel-${key}`, "data-panel": key, "aria-labelledby": headingId },
      el("header", {}, el("h2", { id: headingId }, title), this.actions),
      this.content,
    );
  }

  protected abstract fetch(): Promise<T>;
  protected abstract render(data: T): (Node | string)[];

  /** Whether the answer shows work in progress worth polling for. */
  protected running(_data: T): boolean {
    return false;
  }

  /** Loads and shows the panel; true unless it failed. `quiet` keeps the content while loading. */
  async load(quiet = false): Promise<boolean> {
    const generation = ++this.#generation;
    clearTimeout(this.#timer);
    if (!quiet) this.#show(() => [el("p", { class: "loading" }, gettext("Loading…"))]);
    this.root.setAttribute("aria-busy", "true");
    try {
      const data = await this.fetch();
      if (generation !== this.#generation) return true;
      this.#show(() => this.render(data));
      if (this.running(data)) this.#timer = setTimeout(() => void this.load(true), POLL_MS);
      return true;
    } catch (error) {
      if (generation !== this.#generation) return true;
      // A poll that met a passing fault keeps what it showed and tries again.
      if (quiet && error instanceof ApiError && error.transient) {
        this.#timer = setTimeout(() => void this.load(true), POLL_MS);
        return true;
      }
      this.#show(() => [
        el(
          "p",
          { class: "message error" },
          gettext("This panel could not be loaded: %(message)s", { message: messageOf(error) }),
        ),
      ]);
      return false;
    } finally {
      if (generation === this.#generation) this.root.removeAttribute("aria-busy");
    }
  }

  dispose(): void {
    this.#generation++;
    clearTimeout(this.#timer);
    this.#clearCharts();
  }

  /** A chart owned by this panel (destroyed when the content is replaced). */
  protected chart(spec: ChartSpec): HTMLElement {
    const chart = new Chart(spec);
    this.#charts.push(chart);
    return chart.figure;
  }

  /**
   * Old charts go before `build` makes the new ones. Focus inside the content
   * (a keyboard user on a link while a poll redraws) moves to its counterpart.
   */
  #show(build: () => (Node | string)[]): void {
    const active = document.activeElement;
    const focused = active && this.content.contains(active) ? selectorOf(active) : null;
    this.#clearCharts();
    this.content.replaceChildren(...build());
    if (focused) this.content.querySelector<HTMLElement>(focused)?.focus();
  }

  #clearCharts(): void {
    for (const chart of this.#charts.splice(0)) chart.destroy();
  }
}

/** A selector for an element by the attributes that identify it across redraws. */
function selectorOf(element: Element): string {
  const attributes = ["id", "name", "href", "data-action", "data-release"]
    .filter((name) => element.hasAttribute(name))
    .map((name) => `[${name}="${CSS.escape(element.getAttribute(name)!)}"]`);
  return element.localName + attributes.join("");
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A headline number; tests and scripts read `[data-stat=…] .value`. */
export function stat(key: string, label: string, value: string): HTMLElement {
  return el(
    "div",
    { class: "stat", "data-stat": key },
    el("span", { class: "value" }, value),
    el("span", { class: "label" }, label),
  );
}
