import { ApiClient, ApiError } from "../api/client";
import type { Assignment, NextAnswer, Progress, Project } from "../api/types";
import { gettext } from "../i18n";
import { type Lang, langOf } from "../model/labels";
import { type Action, focusOf, legend, matchShortcut, type Mode } from "../model/shortcuts";
import { staticTask } from "../workspace/static-task";
import { streamTask } from "../workspace/stream-task";
import { clicksKeepFocus, el, legendList, type Task } from "../workspace/task";

/**
 * `<annotation-workspace data-project="slug" data-api="/api/" data-csrf="…" data-language="en">`
 * (label names in data-language, Django's LANGUAGE_CODE, else in the browser's language when it
 * is Chinese). The interface text comes from Django's JavaScript catalogue, in the language
 * Django activated: the same LANGUAGE_CODE, so texts and label names agree.
 *
 * The annotator's loop: take the next clip, label it, submit, take the next.
 * Shows progress, offers skipping, says so when the queue is empty, autosaves
 * drafts, and routes keyboard shortcuts to the player and the labelling task.
 * `data-state`: loading | empty | static | stream | error; `data-assignment`
 * holds the current assignment id.
 */

const DRAFT_DELAY_MS = 800;

export class AnnotationWorkspaceElement extends HTMLElement {
  #api = new ApiClient("/api/", "");
  #project: Project | null = null;
  #task: Task | null = null;
  #assignment: Assignment | null = null;
  #busy = false;
  /** The message on screen is a refused submit (what is missing), kept up to date. */
  #refused = false;
  #draftTimer: ReturnType<typeof setTimeout> | null = null;
  #abort = new AbortController();
  readonly #progress = el("p", { class: "progress" });
  readonly #message = el("p", { class: "message", role: "status" });
  /** A question before submitting (a short trace): answered here, next to the message. */
  readonly #confirm = el("div", { class: "confirm", hidden: "" });
  readonly #body = el("div", { class: "workspace-body" });
  readonly #legend = el("details", { class: "shortcuts", open: "" });
  readonly #skip = el("button", { type: "button" }, gettext("Skip this clip"));
  readonly #submit: HTMLButtonElement = el(
    "button",
    { type: "button", class: "primary" },
    gettext("Submit"),
    " ",
    el("kbd", {}, "Ctrl+Enter"),
  );

  connectedCallback(): void {
    this.#abort = new AbortController();
    this.#api = new ApiClient(this.dataset.api ?? "/api/", this.dataset.csrf ?? "");
    const bar = el(
      "div",
      { class: "workspace-bar" },
      this.#progress,
      el("div", { class: "actions" }, this.#skip, this.#submit),
    );
    const header = el("div", { class: "workspace-header" }, bar, this.#message, this.#confirm);
    this.replaceChildren(header, this.#body, this.#legend);
    this.#skip.addEventListener("click", () => void this.#skipClip());
    this.#submit.addEventListener("click", () => void this.#submitClip());
    const signal = this.#abort.signal;
    window.addEventListener("keydown", (e) => this.#onKey(e), { signal });
    clicksKeepFocus(this, signal);
    // Leaving the page (Back, another tab, closing it) must not lose the last change: a
    // draft still waiting for its debounce is sent at once, in a request that outlives it.
    window.addEventListener("pagehide", () => this.#flushDraft(), { signal });
    document.addEventListener(
      "visibilitychange",
      () => document.visibilityState === "hidden" && this.#flushDraft(),
      { signal },
    );
    void this.#start();
  }

  disconnectedCallback(): void {
    this.#abort.abort();
    this.#task?.dispose();
  }

  /** The language of label names: data-language (Django's LANGUAGE_CODE), else the browser's. */
  get #lang(): Lang {
    return langOf(this.dataset.language || navigator.language);
  }

  get #slug(): string {
    return this.dataset.project ?? "";
  }

  async #start(): Promise<void> {
    this.#setState("loading");
    try {
      this.#project = await this.#api.get<Project>(`projects/${this.#slug}/`);
      await this.#next();
    } catch (error) {
      this.#fail(error);
    }
  }

  async #next(): Promise<void> {
    this.#unmount();
    this.#setState("loading");
    this.#say("");
    const [answer] = await Promise.all([
      this.#api.post<NextAnswer>(`projects/${this.#slug}/next/`),
      this.#refreshProgress(),
    ]);
    if (!answer.assignment) {
      this.#showEmpty(answer.reason);
      return;
    }
    this.#mount(answer.assignment);
  }

  async #refreshProgress(): Promise<void> {
    const you = (await this.#api.get<Progress>(`projects/${this.#slug}/progress/`)).you;
    this.#progress.textContent = you
      ? gettext(
          "Done today: %(today)s · Remaining for you: %(remaining)s · Done in total: %(total)s",
          { today: you.done_today, remaining: you.remaining_for_you, total: you.done_total },
        )
      : "";
  }

  #mount(assignment: Assignment): void {
    const project = this.#project!;
    const ctx = {
      assignment,
      project,
      lang: this.#lang,
      api: this.#api.base,
      csrf: this.dataset.csrf ?? "",
      onChange: () => this.#changed(),
      say: (message: string, error = false) => this.#say(message, error),
    };
    const task = assignment.clip.kind === "stream" ? streamTask(ctx) : staticTask(ctx);
    this.#task = task;
    this.#assignment = assignment;
    this.#body.replaceChildren(task.root);
    this.#showLegend(task.mode);
    this.#legend.hidden = false;
    this.setAttribute("data-assignment", String(assignment.id));
    this.#setState(task.mode);
    this.#skip.disabled = this.#submit.disabled = false;
    if (assignment.draft) this.#say(gettext("Your draft was restored."));
  }

  #unmount(): void {
    this.#clearDraftTimer();
    this.#closeQuestion();
    this.#task?.dispose();
    this.#task = null;
    this.#assignment = null;
    this.#body.replaceChildren();
    this.removeAttribute("data-assignment");
  }

  #showEmpty(reason: string): void {
    this.#setState("empty");
    this.#skip.disabled = this.#submit.disabled = true;
    const again = el("button", { type: "button" }, gettext("Check again"));
    again.addEventListener("click", () => void this.#next().catch((e: unknown) => this.#fail(e)));
    // The server's reason is the heading (nothing waiting, or the user's share is done).
    const heading = reason
      ? capitalised(reason)
      : gettext("No clip is waiting for you in this project");
    this.#body.replaceChildren(
      el(
        "div",
        { class: "empty" },
        el("h2", {}, heading),
        el("p", {}, again, " ", el("a", { href: "/" }, gettext("Back to your projects"))),
      ),
    );
    this.#legend.replaceChildren();
    this.#legend.hidden = true; // no shortcuts without a clip
    again.focus();
  }

  #showLegend(mode: Mode): void {
    const list = legendList(legend(mode));
    const extra =
      mode === "stream"
        ? el(
            "p",
            {},
            gettext("On the trace pad, the arrow keys move the point instead of seeking."),
          )
        : "";
    this.#legend.replaceChildren(el("summary", {}, gettext("Keyboard shortcuts")), list, extra);
  }

  #onKey(e: KeyboardEvent): void {
    const task = this.#task;
    if (!task || e.defaultPrevented) return;
    const action = matchShortcut(e, task.mode, focusOf(e));
    if (!action) return;
    e.preventDefault();
    this.#apply(task, action, e);
  }

  #apply(task: Task, action: Action, e: KeyboardEvent): void {
    const player = task.player;
    switch (action.name) {
      case "play-pause":
        return player.toggle();
      case "seek":
        return player.seekBy(action.seconds);
      case "frame":
        return player.stepFrame(action.step);
      case "rate":
        return player.stepRate(action.step);
      case "submit":
        return void this.#submitClip();
      case "escape": {
        const target = e.composedPath()[0];
        if (target instanceof HTMLElement) target.blur();
        return;
      }
      default:
        task.apply(action);
    }
  }

  /** Labels changed: autosave, and a refusal on screen says what is still missing now. */
  #changed(): void {
    this.#scheduleDraft();
    if (!this.#refused || !this.#task) return;
    const problem = this.#task.problem();
    this.#say(problem ?? "", problem !== null);
    this.#refused = problem !== null;
  }

  #scheduleDraft(): void {
    this.#clearDraftTimer();
    this.#draftTimer = setTimeout(() => void this.#saveDraft(), DRAFT_DELAY_MS);
  }

  #flushDraft(): void {
    if (this.#draftTimer === null) return;
    this.#clearDraftTimer();
    void this.#saveDraft({ keepalive: true });
  }

  #clearDraftTimer(): void {
    if (this.#draftTimer !== null) clearTimeout(this.#draftTimer);
    this.#draftTimer = null;
  }

  async #saveDraft({ keepalive = false } = {}): Promise<void> {
    const task = this.#task;
    const assignment = this.#assignment;
    if (!task || !assignment) return;
    try {
      const body = { payload: task.payload() };
      await this.#api.put(`assignments/${assignment.id}/draft/`, body, { keepalive });
      if (this.#task === task) this.setAttribute("data-draft-saved", new Date().toISOString());
    } catch (error) {
      if (this.#task === task)
        this.#say(
          gettext(
            "The draft was not saved (%(error)s); it is saved again at your next change.",
            { error: describe(error) },
          ),
          true,
        );
    }
  }

  /** Submits the clip; `confirmed` once the annotator said yes to the task's question. */
  async #submitClip(confirmed = false): Promise<void> {
    const task = this.#task;
    const assignment = this.#assignment;
    if (!task || !assignment || this.#busy) return;
    this.#closeQuestion();
    const problem = task.problem();
    if (problem) {
      this.#say(problem, true);
      this.#refused = true;
      return;
    }
    const question = confirmed ? null : task.confirmation();
    if (question) return this.#ask(question);
    this.#busy = true;
    this.#submit.disabled = true;
    try {
      await task.prepare();
      this.#clearDraftTimer();
      this.#say(gettext("Submitting…"));
      await this.#api.post(`assignments/${assignment.id}/submit/`, {
        payload: task.payload(),
        confirm_low_coverage: confirmed,
      });
      await this.#next();
      this.#say(
        this.#assignment
          ? gettext("Submitted. Here is the next clip.")
          : gettext("Submitted. That was the last clip waiting for you."),
      );
    } catch (error) {
      // The server measured the trace below the minimum (another device's gaps): ask it here.
      if (error instanceof ApiError && error.code === "trace_coverage_low" && !confirmed)
        return this.#ask(capitalised(error.message));
      if (error instanceof ApiError && error.field) task.showField(error.field);
      this.#say(gettext("Not submitted: %(error)s", { error: describe(error) }), true);
    } finally {
      this.#busy = false;
      this.#submit.disabled = this.#task === null;
    }
  }

  /** Asks before submitting; "Submit anyway" submits confirmed, "Not yet" goes back to work. */
  #ask(question: string): void {
    const yes = el("button", { type: "button", class: "primary" }, gettext("Submit anyway"));
    const no = el("button", { type: "button" }, gettext("Not yet"));
    yes.addEventListener("click", () => void this.#submitClip(true));
    no.addEventListener("click", () => {
      this.#closeQuestion();
      this.#say("");
    });
    this.#say(question, true);
    this.#confirm.replaceChildren(yes, no);
    this.#confirm.hidden = false;
    no.focus(); // the safe answer: Space or Enter pressed by habit keeps working
  }

  #closeQuestion(): void {
    this.#confirm.hidden = true;
    this.#confirm.replaceChildren();
  }

  async #skipClip(): Promise<void> {
    const assignment = this.#assignment;
    if (!assignment || this.#busy) return;
    this.#busy = true;
    try {
      await this.#api.post(`assignments/${assignment.id}/release/`);
      await this.#next();
      this.#say(
        this.#assignment
          ? gettext("Skipped. Here is the next clip.")
          : gettext("Skipped. No other clip is waiting for you."),
      );
    } catch (error) {
      this.#say(gettext("Could not skip: %(error)s", { error: describe(error) }), true);
    } finally {
      this.#busy = false;
    }
  }

  #say(message: string, error = false): void {
    this.#refused = false; // a newer message replaces the refusal
    this.#message.textContent = message;
    this.#message.classList.toggle("error", error);
  }

  #setState(state: string): void {
    this.setAttribute("data-state", state);
  }

  #fail(error: unknown): void {
    this.#setState("error");
    this.#say(gettext("The workspace could not load: %(error)s", { error: describe(error) }), true);
  }
}

function capitalised(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

function describe(error: unknown): string {
  if (error instanceof ApiError)
    return error.field ? `${error.message} (${error.field})` : error.message;
  return error instanceof Error ? error.message : String(error);
}
