import { ApiClient, ApiError, describeError } from "../api/client";
import type { Annotation, AnnotationDetail, Project } from "../api/types";
import { gettext } from "../i18n";
import { langOf } from "../model/labels";
import { legend } from "../model/shortcuts";
import { staticTask } from "../workspace/static-task";
import { streamTask } from "../workspace/stream-task";
import {
  carriedLabels,
  clicksKeepFocus,
  dropCarried,
  el,
  legendList,
  routeKey,
  type Task,
} from "../workspace/task";

/**
 * `<annotation-correction data-project="slug" data-annotation="id" data-api="/api/"
 * data-csrf="…" data-language="en" data-back="/projects/slug/mine">`
 *
 * The correction screen of one of the annotator's submitted annotations: the clip and its
 * labels in the workspace's own editor, pre-filled with the submitted labels, or with the
 * labels a tab could not send when the clip was submitted elsewhere (`carriedLabels`).
 * "Send correction" (Ctrl+Enter) makes a new revision current. A streaming clip's segments
 * are corrected; its trace stays as submitted, so no recorder is shown.
 * `data-state`: loading | static | stream | error.
 */
export class AnnotationCorrectionElement extends HTMLElement {
  #api = new ApiClient("/api/", "");
  #task: Task | null = null;
  #annotation: Annotation | null = null;
  #busy = false;
  #abort = new AbortController();
  readonly #revision = el("p", { class: "progress" });
  readonly #message = el("p", { class: "message", role: "status" });
  readonly #body = el("div", { class: "workspace-body" });
  readonly #legend = el("details", { class: "shortcuts", open: "" });
  readonly #send: HTMLButtonElement = el(
    "button",
    { type: "button", class: "primary" },
    gettext("Send correction"),
    " ",
    el("kbd", {}, "Ctrl+Enter"),
  );

  connectedCallback(): void {
    this.#abort = new AbortController();
    this.#api = new ApiClient(this.dataset.api ?? "/api/", this.dataset.csrf ?? "");
    const back = el("a", { href: this.dataset.back ?? "/" }, gettext("Back to your labels"));
    const bar = el(
      "div",
      { class: "workspace-bar" },
      el("div", {}, el("h1", {}, gettext("Correct your labels")), this.#revision),
      el("div", { class: "actions" }, back, this.#send),
    );
    this.replaceChildren(
      el("div", { class: "workspace-header" }, bar, this.#message),
      this.#body,
      this.#legend,
    );
    this.#send.disabled = true;
    this.#send.addEventListener("click", () => void this.#sendCorrection());
    const signal = this.#abort.signal;
    window.addEventListener(
      "keydown",
      (e) => this.#task && routeKey(this.#task, e, () => void this.#sendCorrection()),
      { signal },
    );
    clicksKeepFocus(this, signal);
    void this.#start();
  }

  disconnectedCallback(): void {
    this.#abort.abort();
    this.#task?.dispose();
  }

  async #start(): Promise<void> {
    this.setAttribute("data-state", "loading");
    const id = Number(this.dataset.annotation);
    try {
      const [project, annotation] = await Promise.all([
        this.#api.get<Project>(`projects/${this.dataset.project ?? ""}/`),
        this.#api.get<AnnotationDetail>(`annotations/${id}/`),
      ]);
      this.#mount(project, annotation);
    } catch (error) {
      this.setAttribute("data-state", "error");
      this.#say(
        gettext("Your labels could not load: %(error)s", { error: describeError(error) }),
        true,
      );
    }
  }

  #mount(project: Project, annotation: AnnotationDetail): void {
    const carried = carriedLabels(annotation.id);
    const ctx = {
      clip: annotation.clip_detail,
      project,
      labels: carried ?? annotation.payload,
      mediaId: `clip-video-correction-${annotation.id}`,
      traceUrl: null, // the trace is not corrected
      lang: langOf(this.dataset.language || navigator.language),
      api: this.#api.base,
      csrf: this.dataset.csrf ?? "",
      onChange: () => undefined, // nothing is saved before "Send correction"
      say: (message: string, error = false) => this.#say(message, error),
    };
    const task = annotation.clip_detail.kind === "stream" ? streamTask(ctx) : staticTask(ctx);
    this.#task = task;
    this.#annotation = annotation;
    this.#body.replaceChildren(task.root);
    this.#legend.replaceChildren(
      el("summary", {}, gettext("Keyboard shortcuts")),
      // R (record the trace) does nothing here: the trace is not corrected.
      legendList(legend(task.mode).filter((entry) => !entry.press.includes("r"))),
    );
    this.#showRevision();
    this.#send.disabled = false;
    this.setAttribute("data-state", task.mode);
    if (carried)
      this.#say(
        gettext(
          "The labels from your other tab are filled in: send them as the correction, or change them first.",
        ),
      );
  }

  #showRevision(): void {
    const annotation = this.#annotation;
    if (!annotation) return;
    this.#revision.textContent = gettext("Revision %(revision)s is current, submitted %(time)s.", {
      revision: annotation.revision,
      // In the page's language (Django's), like the text around it.
      time: annotation.submitted_at
        ? new Date(annotation.submitted_at).toLocaleString(document.documentElement.lang || [])
        : "",
    });
  }

  async #sendCorrection(): Promise<void> {
    const task = this.#task;
    const old = this.#annotation;
    if (!task || !old || this.#busy) return;
    const problem = task.problem();
    if (problem) return this.#say(problem, true);
    this.#busy = true;
    this.#send.disabled = true;
    this.#say(gettext("Sending the correction…"));
    try {
      const now = await this.#api.post<Annotation>(`annotations/${old.id}/corrections/`, {
        payload: task.payload(),
      });
      dropCarried(old.id);
      if (now.id === old.id) {
        this.#say(
          gettext("Nothing changed: revision %(revision)s stays current.", {
            revision: now.revision,
          }),
        );
        return;
      }
      // Further corrections go on from the new revision, and a reload opens that one.
      this.#annotation = now;
      this.setAttribute("data-annotation", String(now.id));
      history.replaceState(
        null,
        "",
        location.pathname.replace(/\/annotations\/\d+\//, `/annotations/${now.id}/`),
      );
      this.#showRevision();
      this.#say(
        gettext("Corrected: revision %(revision)s is now current.", { revision: now.revision }),
      );
    } catch (error) {
      if (error instanceof ApiError && error.field) task.showField(error.field);
      this.#say(gettext("Not corrected: %(error)s", { error: describeError(error) }), true);
    } finally {
      this.#busy = false;
      this.#send.disabled = false;
    }
  }

  #say(message: string, error = false): void {
    this.#message.textContent = message;
    this.#message.classList.toggle("error", error);
  }
}
