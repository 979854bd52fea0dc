import { ApiClient, ApiError } from "../api/client";
import type { NextAnswer, Project } from "../api/types";
import { gettext } from "../i18n";
import { type Lang, langOf } from "../model/labels";
import { focusOf, type Mode } from "../model/shortcuts";
import { clicksKeepFocus, el, legendList } from "../workspace/task";
import { provenanceText } from "./format";
import { type AdjudicationAction, legend, matchAdjudication } from "./keys";
import { queuePath } from "./queue";
import { type QueueView, queueView } from "./queue-view";
import { type ReviewView, reviewView } from "./review-view";
import type { Dispute, GoldVersion, Page, Review } from "./types";

/**
 * `<adjudication-workspace data-project="slug" data-api="/api/" data-csrf="…" data-language="en">`
 *
 * The adjudicator's loop: the disputed queue on the left; a clip under review
 * on the right (taken with "Next disputed clip" or by picking it from the
 * queue), decided with a rationale or skipped; then the next. On load it asks
 * for the next clip, which resumes the one the adjudicator holds, if any.
 * `data-state`: loading | idle | static | stream | error; `data-assignment`
 * holds the id of the assignment under review.
 */
export class AdjudicationWorkspaceElement extends HTMLElement {
  #api = new ApiClient("/api/", "");
  #lang: Lang = "en";
  #project: Project | null = null;
  #review: Review | null = null;
  #view: ReviewView | null = null;
  #busy = false;
  #page = 1;
  #queueRequest = 0;
  #abort = new AbortController();
  readonly #status = el("p", { class: "adj-status", role: "status" });
  readonly #body = el("section", { class: "adj-review", "aria-label": gettext("Review") });
  readonly #legend = el("details", { class: "shortcuts adj-shortcuts", open: "" });
  readonly #next: HTMLButtonElement = el(
    "button",
    { type: "button", class: "primary", "data-action": "next" },
    gettext("Next disputed clip"),
    " ",
    el("kbd", {}, "Shift+N"),
  );
  readonly #skip = el(
    "button",
    { type: "button", "data-action": "skip" },
    gettext("Skip this clip"),
  );
  readonly #queue: QueueView = queueView(
    (clipId, title) => void this.#pick(clipId, title),
    (page) => void this.#loadQueue(page),
  );

  connectedCallback(): void {
    this.#abort = new AbortController();
    this.#api = new ApiClient(this.dataset.api ?? "/api/", this.dataset.csrf ?? "");
    this.#lang = langOf(this.dataset.language || navigator.language);
    this.replaceChildren(
      el("div", { class: "adj-bar" }, this.#next, this.#skip, this.#status),
      el("div", { class: "adj-layout" }, this.#queue.root, this.#body),
      this.#legend,
    );
    this.#showLegend();
    this.#next.addEventListener("click", () => void this.#nextClip(), {
      signal: this.#abort.signal,
    });
    this.#skip.addEventListener("click", () => void this.#skipClip(), {
      signal: this.#abort.signal,
    });
    window.addEventListener("keydown", (e) => this.#onKey(e), { signal: this.#abort.signal });
    clicksKeepFocus(this, this.#abort.signal);
    void this.#start();
  }

  disconnectedCallback(): void {
    this.#abort.abort();
    this.#view?.dispose();
  }

  get #slug(): string {
    return this.dataset.project ?? "";
  }

  async #start(): Promise<void> {
    this.#setState("loading");
    this.#syncButtons();
    void this.#loadQueue(1);
    try {
      this.#project = await this.#api.get<Project>(`projects/${this.#slug}/`);
      await this.#claim({ resume: true }); // reopen a held clip; never claim one unasked
    } catch (error) {
      this.#setState("error");
      this.#say(
        gettext("The adjudication workspace could not load: %(error)s", { error: describe(error) }),
        true,
      );
    }
  }

  async #loadQueue(page: number): Promise<void> {
    const request = ++this.#queueRequest;
    try {
      const answer = await this.#api.get<Page<Dispute>>(queuePath(this.#slug, page));
      if (request !== this.#queueRequest) return;
      this.#page = page;
      this.#queue.show(answer, page);
    } catch (error) {
      if (request !== this.#queueRequest) return;
      // Decisions shrink the queue: a page past its end is gone.
      if (error instanceof ApiError && error.status === 404 && page > 1) {
        return this.#loadQueue(page - 1);
      }
      this.#queue.showError(
        gettext("The queue could not be loaded: %(error)s", { error: describe(error) }),
      );
    }
  }

  /** Asks for a clip (`{}`: the next, or the one already held; `{clip}`: that one;
   * `{resume}`: only the one already held) and opens it. */
  async #claim(body: { clip?: number; resume?: boolean }): Promise<void> {
    const answer = await this.#api.post<NextAnswer>(`projects/${this.#slug}/disputes/next/`, body);
    if (!answer.assignment) {
      // Nothing to resume on opening the page is the usual start, not news from the server.
      this.#showIdle(body.resume ? "" : answer.reason);
      if (!body.resume) this.#say(gettext("No disputed clip is waiting for you."));
      return;
    }
    await this.#open(answer.assignment.id);
  }

  async #open(assignmentId: number): Promise<void> {
    const review = await this.#api.get<Review>(`assignments/${assignmentId}/`);
    this.#unmount();
    const view = reviewView({
      review,
      project: this.#project!,
      lang: this.#lang,
      api: this.#api,
      say: (message, error) => this.#say(message, error),
      onDecide: () => void this.#decide(),
    });
    this.#review = review;
    this.#view = view;
    this.#body.replaceChildren(view.root);
    this.setAttribute("data-assignment", String(review.id));
    this.#setState(review.clip.kind === "stream" ? "stream" : "static");
    this.#queue.setCurrent(review.clip.id);
    this.#syncButtons();
    this.#showLegend();
    this.#say(gettext("%(clip)s is open for your decision.", { clip: review.clip.external_id }));
    this.#toTop();
    view.heading.focus();
  }

  /** Each clip (or the idle page) is read from its top. Deciding happens at the foot of a
   * long review: without this the next, shorter page is left scrolled onto blank space. */
  #toTop(): void {
    if (this.getBoundingClientRect().top < 0) this.scrollIntoView({ block: "start" });
  }

  #unmount(): void {
    this.#view?.dispose();
    this.#view = null;
    this.#review = null;
    this.#body.replaceChildren();
    this.removeAttribute("data-assignment");
    this.#queue.setCurrent(null);
    this.#syncButtons();
    this.#showLegend();
  }

  /** No clip under review: says why (the server's reason, when it gave one) and what to do. */
  #showIdle(reason = ""): void {
    this.#unmount();
    this.#setState("idle");
    this.#body.replaceChildren(
      el(
        "div",
        { class: "adj-idle" },
        el("h2", {}, gettext("No clip under review")),
        reason ? el("p", {}, gettext("The server says: %(reason)s.", { reason })) : "",
        el("p", {}, gettext("Press “Next disputed clip” (Shift+N) or pick a clip from the queue.")),
      ),
    );
    this.#toTop();
  }

  async #nextClip(): Promise<void> {
    if (this.#busy) return;
    if (this.#review) {
      this.#say(gettext("Decide or skip the open clip first."), true);
      return;
    }
    await this.#run(
      () => this.#claim({}),
      (error) => gettext("Could not get the next clip: %(error)s", { error }),
    );
    if (!this.#review) this.#next.focus();
  }

  async #pick(clipId: number, title: string): Promise<void> {
    if (this.#busy) return;
    if (this.#review?.clip.id === clipId) {
      this.#view?.heading.focus();
      return;
    }
    await this.#run(
      () => this.#claim({ clip: clipId }),
      (error) => gettext("Could not open %(clip)s: %(error)s", { clip: title, error }),
    );
    void this.#loadQueue(this.#page);
  }

  async #decide(): Promise<void> {
    const view = this.#view;
    const review = this.#review;
    if (!view || !review || this.#busy) return;
    const problem = view.panel.check();
    if (problem) {
      this.#say(problem.message, true);
      return;
    }
    this.#say(gettext("Sending the decision…"));
    await this.#run(
      async () => {
        const gold = await this.#api.post<GoldVersion>(`assignments/${review.id}/submit/`, {
          payload: view.panel.payload(),
          rationale: view.panel.rationale(),
        });
        this.#showIdle();
        this.#say(
          gettext("Decided — gold v%(version)s (%(provenance)s)", {
            version: gold.version,
            provenance: provenanceText(gold.provenance),
          }),
        );
        void this.#loadQueue(this.#page);
        this.#next.focus();
      },
      (error) => gettext("Not decided: %(error)s", { error }),
      (error) => {
        if (error instanceof ApiError && error.field) {
          view.panel.showProblem({ field: error.field, message: error.message });
        }
      },
    );
  }

  async #skipClip(): Promise<void> {
    const review = this.#review;
    if (!review || this.#busy) return;
    await this.#run(
      async () => {
        await this.#api.post(`assignments/${review.id}/release/`);
        this.#showIdle();
        this.#say(
          gettext("Skipped %(clip)s: “Next disputed clip” will not offer it again.", {
            clip: review.clip.external_id,
          }),
        );
        void this.#loadQueue(this.#page);
        this.#next.focus();
      },
      (error) => gettext("Could not skip: %(error)s", { error }),
    );
  }

  /** One request at a time; a failure is said in the status line. */
  async #run(
    work: () => Promise<void>,
    failure: (error: string) => string,
    onError?: (error: unknown) => void,
  ): Promise<void> {
    this.#busy = true;
    this.setAttribute("aria-busy", "true");
    try {
      await work();
    } catch (error) {
      onError?.(error);
      this.#say(failure(describe(error)), true);
    } finally {
      this.#busy = false;
      this.removeAttribute("aria-busy");
    }
  }

  #onKey(e: KeyboardEvent): void {
    if (e.defaultPrevented || !this.#project) return;
    const action = matchAdjudication(e, this.#mode, focusOf(e));
    if (action && this.#apply(action, e.composedPath()[0])) e.preventDefault();
  }

  /** The shortcut table's mode for the clip under review. */
  get #mode(): Mode {
    return this.#review?.clip.kind === "stream" ? "decision" : "static";
  }

  /** Carries out a shortcut; false when it does nothing here (the key keeps its usual effect). */
  #apply(action: AdjudicationAction, target: EventTarget | undefined): boolean {
    if (action.name === "next") {
      void this.#nextClip();
      return true;
    }
    const view = this.#view;
    if (!view) return false;
    const player = view.player;
    switch (action.name) {
      case "decide":
        void this.#decide();
        return true;
      case "use":
        if (!view.panel.use(action.index)) {
          this.#say(
            action.index === 0
              ? gettext("This clip has no aggregate to start from.")
              : gettext("This clip has no annotator %(number)s.", { number: action.index }),
            true,
          );
        }
        return true;
      case "escape":
        if (target instanceof HTMLElement) target.blur();
        return true;
      case "play-pause":
        player.toggle();
        return true;
      case "seek":
        player.seekBy(action.seconds);
        return true;
      case "frame":
        player.stepFrame(action.step);
        return true;
      case "rate":
        player.stepRate(action.step);
        return true;
      default:
        return view.panel.apply(action);
    }
  }

  #showLegend(): void {
    const list = legendList(legend(this.#mode));
    this.#legend.replaceChildren(
      el("summary", {}, gettext("Keyboard shortcuts")),
      list,
      el(
        "p",
        {},
        gettext(
          "In the compared segments, the arrow keys move along a lane and Enter takes the video there.",
        ),
      ),
    );
  }

  #syncButtons(): void {
    this.#next.disabled = this.#review !== null;
    this.#skip.disabled = this.#review === null;
  }

  #say(message: string, error = false): void {
    this.#status.textContent = message;
    this.#status.classList.toggle("error", error);
  }

  #setState(state: "loading" | "idle" | "static" | "stream" | "error"): void {
    this.setAttribute("data-state", state);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
