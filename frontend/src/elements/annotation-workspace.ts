import { ApiClient, ApiError, describeError as describe } from "../api/client";
import type { Annotation, Assignment, NextAnswer, Progress, Project } from "../api/types";
import { gettext } from "../i18n";
import { type Lang, langOf } from "../model/labels";
import { legend, type Mode } from "../model/shortcuts";
import { staticTask } from "../workspace/static-task";
import { streamTask } from "../workspace/stream-task";
import {
  carryLabels,
  clicksKeepFocus,
  el,
  legendList,
  routeKey,
  type Task,
} from "../workspace/task";

/**
 * `<annotation-workspace data-project="slug" data-api="/api/" data-csrf="…" data-language="en">`
 * (label names in data-language, Django's LANGUAGE_CODE, else in the browser's language when it
 * is Chinese). The interface text comes from Django's JavaScript catalogue, in the language
 * Django activated: the same LANGUAGE_CODE, so texts and label names agree.
 *
 * The annotator's loop: take the next clip, label it, submit, take the next.
 * Shows progress, offers skipping, says so when the queue is empty, autosaves
 * drafts, and routes keyboard shortcuts to the player and the labelling task.
 * `data-state`: loading | empty | static | stream | gone | error; `data-assignment`
 * holds the current assignment id.
 *
 * The same assignment may be open in another tab or on another device. A refused draft or
 * submit (409), and coming back to this tab, ask the server where the clip stands: submitted
 * or ended elsewhere is the `gone` state, which leads on (the correction, the next clip);
 * a newer draft saved elsewhere is offered, never loaded over this tab's labels unasked.
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
  /** The draft's `updated_at` as this tab last saved or loaded it: a later one is not ours. */
  #draftStamp: string | null = null;
  /** The draft save under way, awaited before asking the server for the draft's time. */
  #saving: Promise<void> | null = null;
  #abort = new AbortController();
  readonly #progress = el("p", { class: "progress" });
  #you: Progress["you"] | null = null;
  #blocked = false;
  readonly #message = el("p", { class: "message", role: "status" });
  /** A question before submitting (a short trace): answered here, next to the message. */
  readonly #confirm = el("div", { class: "confirm", hidden: "" });
  readonly #body = el("div", { class: "workspace-body" });
  /** Shown while the form starts from a model's draft (the project pre-fills drafts). */
  readonly #modelDraft = el(
    "p",
    { class: "model-draft-notice", role: "note", hidden: "" },
    gettext("Model draft — check before submitting"),
  );
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
    const header = el(
      "div",
      { class: "workspace-header" },
      bar,
      this.#modelDraft,
      this.#message,
      this.#confirm,
    );
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
      () => {
        if (document.visibilityState === "hidden") this.#flushDraft();
        else void this.#reconcile(null);
      },
      { signal },
    );
    // Back from another tab or window (another device's work may have moved the clip on).
    window.addEventListener("focus", () => void this.#reconcile(null), { signal });
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
    let answer: NextAnswer;
    try {
      [answer] = await Promise.all([
        this.#api.post<NextAnswer>(`projects/${this.#slug}/next/`),
        this.#refreshProgress(),
      ]);
    } catch (error) {
      // Paused by the quality rule: the reason (the interval and the floor) is the screen.
      if (!(error instanceof ApiError && error.code === "paused")) throw error;
      this.#showBlocked(error.message);
      return;
    }
    if (answer.blocked) {
      this.#showBlocked(answer.reason);
      return;
    }
    this.#blocked = false;
    this.#showProgress();
    if (!answer.assignment) {
      this.#showEmpty(answer.reason);
      return;
    }
    this.#mount(answer.assignment);
  }

  /** Paused or not qualified: clips may wait, but not for this user now; "remaining for
   * you" would promise them. */
  #showBlocked(reason: string): void {
    this.#blocked = true;
    this.#showEmpty(reason);
    this.#showProgress();
  }

  /** Fetched beside the claim: it may arrive after a refusal (paused), so it is shown by
   * what the claim said, whichever comes last. */
  async #refreshProgress(): Promise<void> {
    const you = (await this.#api.get<Progress>(`projects/${this.#slug}/progress/`)).you;
    this.#you = you ?? null;
    this.#showProgress();
  }

  #showProgress(): void {
    const you = this.#you;
    if (!you) {
      this.#progress.textContent = "";
    } else if (this.#blocked) {
      this.#progress.textContent = gettext("Done today: %(today)s · Done in total: %(total)s", {
        today: you.done_today,
        total: you.done_total,
      });
    } else {
      this.#progress.textContent = gettext(
        "Done today: %(today)s · Remaining for you: %(remaining)s · Done in total: %(total)s",
        { today: you.done_today, remaining: you.remaining_for_you, total: you.done_total },
      );
    }
  }

  #mount(assignment: Assignment): void {
    const project = this.#project!;
    const ctx = {
      clip: assignment.clip,
      project,
      // The annotator's own draft, else the model's: the server records it was shown.
      labels: assignment.draft ?? assignment.model_draft,
      mediaId: `clip-video-${assignment.id}`,
      traceUrl: `${this.#api.base}assignments/${assignment.id}/trace/`,
      lang: this.#lang,
      api: this.#api.base,
      csrf: this.dataset.csrf ?? "",
      onChange: () => this.#changed(),
      say: (message: string, error = false) => this.#say(message, error),
    };
    const task = assignment.clip.kind === "stream" ? streamTask(ctx) : staticTask(ctx);
    this.#task = task;
    this.#assignment = assignment;
    this.#draftStamp = assignment.draft_updated_at;
    this.#body.replaceChildren(task.root);
    this.#showLegend(task.mode);
    this.#legend.hidden = false;
    this.setAttribute("data-assignment", String(assignment.id));
    this.#setState(task.mode);
    this.#skip.disabled = this.#submit.disabled = false;
    this.#modelDraft.hidden = !assignment.model_draft;
    if (assignment.draft) this.#say(gettext("Your draft was restored."));
  }

  #unmount(): void {
    this.#clearDraftTimer();
    this.#closeQuestion();
    this.#task?.dispose();
    this.#task = null;
    this.#assignment = null;
    this.#modelDraft.hidden = true;
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
    if (this.#task) routeKey(this.#task, e, () => void this.#submitClip());
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

  #saveDraft({ keepalive = false } = {}): Promise<void> {
    const saving = this.#sendDraft(keepalive);
    this.#saving = saving;
    return saving;
  }

  async #sendDraft(keepalive: boolean): Promise<void> {
    const task = this.#task;
    const assignment = this.#assignment;
    if (!task || !assignment) return;
    const payload = task.payload();
    try {
      const draft = await this.#api.put<Annotation>(
        `assignments/${assignment.id}/draft/`,
        { payload },
        { keepalive },
      );
      if (this.#task !== task) return;
      this.#draftStamp = draft.updated_at;
      this.setAttribute("data-draft-saved", new Date().toISOString());
    } catch (error) {
      if (this.#task !== task) return;
      // No longer active: submitted, skipped or ended elsewhere. Say so; never "saved later".
      if (error instanceof ApiError && error.status === 409 && (await this.#reconcile(payload)))
        return;
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
    const payload = task.payload();
    try {
      await task.prepare();
      this.#clearDraftTimer();
      this.#say(gettext("Submitting…"));
      await this.#api.post(`assignments/${assignment.id}/submit/`, {
        payload,
        confirm_low_coverage: confirmed,
      });
      await this.#next();
      this.#say(
        this.#assignment
          ? gettext("Submitted. Here is the next clip.")
          : this.#blocked
            ? gettext("Submitted.")
            : gettext("Submitted. That was the last clip waiting for you."),
      );
    } catch (error) {
      // The server measured the trace below the minimum (another device's gaps): ask it here.
      if (error instanceof ApiError && error.code === "trace_coverage_low" && !confirmed)
        return this.#ask(capitalised(error.message));
      // Submitted or ended elsewhere: that state, with this tab's labels kept for a correction.
      if (error instanceof ApiError && error.status === 409 && (await this.#reconcile(payload)))
        return;
      if (error instanceof ApiError && error.field) task.showField(error.field);
      this.#say(gettext("Not submitted: %(error)s", { error: describe(error) }), true);
    } finally {
      this.#busy = false;
      this.#submit.disabled = this.#task === null;
    }
  }

  /**
   * Asks the server where this tab's clip stands. Submitted, skipped or ended elsewhere: shows
   * that (true). Still open with a draft saved later by another tab or device: offers it.
   * `labels`: what this tab tried to send, carried into the correction screen.
   */
  async #reconcile(labels: Record<string, unknown> | null): Promise<boolean> {
    const task = this.#task;
    const assignment = this.#assignment;
    if (!task || !assignment || (labels === null && this.#busy)) return false;
    if (labels === null) await this.#saving; // our own save first: its time is then known
    const now = await this.#api.get<Assignment>(`assignments/${assignment.id}/`).catch(() => null);
    if (!now || this.#task !== task) return false; // offline or moved on: asked again later
    if (now.status !== "active") {
      this.#showGone(now, labels);
      return true;
    }
    if (isLater(now.draft_updated_at, this.#draftStamp)) this.#offerDraft(now);
    return false;
  }

  /** The clip was submitted, skipped or lost elsewhere: what happened, and what next. */
  #showGone(now: Assignment, labels: Record<string, unknown> | null): void {
    this.#unmount();
    this.#setState("gone");
    this.#skip.disabled = this.#submit.disabled = true;
    const next = el("button", { type: "button" }, gettext("Take the next clip"));
    next.addEventListener("click", () => void this.#next().catch((e: unknown) => this.#fail(e)));
    let heading: string;
    let text: string;
    let correction: HTMLElement | string = "";
    if (now.status === "submitted" && now.annotation !== null) {
      heading = gettext("This clip was submitted from another tab or device");
      if (labels) carryLabels(now.annotation, labels);
      text = labels
        ? gettext(
            "Your labels in this tab were not sent. Open the correction to send them as a new revision, or take the next clip.",
          )
        : gettext("Open the correction to change what was submitted, or take the next clip.");
      correction = el(
        "a",
        {
          class: "button primary",
          href: `/projects/${this.#slug}/annotations/${now.annotation}/correct`,
        },
        gettext("Open the correction"),
      );
    } else {
      heading =
        now.status === "released"
          ? gettext("This clip was skipped in another tab or device")
          : gettext("Your lease on this clip ended");
      text = gettext("The clip went back to the queue; your labels in this tab were not kept.");
    }
    this.#say(heading, true);
    this.#body.replaceChildren(
      el(
        "div",
        { class: "empty gone" },
        el("h2", {}, heading),
        el("p", {}, text),
        el("p", { class: "choices" }, correction, " ", next),
      ),
    );
    this.#legend.replaceChildren();
    this.#legend.hidden = true;
    (correction instanceof HTMLElement ? correction : next).focus();
  }

  /** A newer draft from another tab or device: load it, or keep this tab's (saved over it). */
  #offerDraft(now: Assignment): void {
    const load = el("button", { type: "button", class: "primary" }, gettext("Load the newer draft"));
    const keep = el("button", { type: "button" }, gettext("Keep mine"));
    load.addEventListener("click", () => {
      this.#unmount();
      this.#mount(now);
      this.#say(gettext("The newer draft is loaded."));
    });
    keep.addEventListener("click", () => {
      this.#draftStamp = now.draft_updated_at;
      this.#closeQuestion();
      this.#say(gettext("Your labels in this tab are kept and saved over the other draft."));
      this.#scheduleDraft();
    });
    this.#say(gettext("A newer draft of this clip was saved in another tab or device."), true);
    this.#confirm.replaceChildren(load, keep);
    this.#confirm.hidden = false;
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

/** Whether ISO time `a` is later than `b` (none is later than nothing). */
function isLater(a: string | null, b: string | null): boolean {
  if (a === null) return false;
  return b === null || Date.parse(a) > Date.parse(b);
}

function capitalised(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}
