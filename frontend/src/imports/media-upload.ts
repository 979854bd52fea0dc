import { type DetailedError, Upload } from "tus-js-client";
import { ApiClient } from "../api/client";
import { gettext } from "../i18n";
import { el } from "../workspace/task";
import { fingerprint, sizeText } from "./fingerprint";
import {
  errorMessage,
  type RowState,
  settled,
  stateAfterUpload,
  type UploadAnswer,
} from "./upload-status";

/** One PATCH carries at most this much: a cut connection costs at most the unsaved tail of
 * one request (the server keeps what it received), and progress is stored often. */
const CHUNK_BYTES = 64 * 1024 * 1024;
/** Retries before giving up on a server that does not answer; a resumed request may meet
 * the old one still holding the upload (423) until the server sees it is gone (15 s). */
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 15000, 20000, 30000, 60000];
const POLL_MS = 1000;

/**
 * `<media-upload data-project="slug" data-api="/api/" data-csrf="…">`
 *
 * Media files from the admin's computer, many at once, over tus
 * (tus-js-client): one row per file with its progress and what the server
 * made of it. A dropped connection resumes where the server stopped, offline
 * waits for the network; a file chosen again after a reload or a closed
 * laptop resumes from the upload this browser started (its URL is kept in
 * localStorage). A file the project has already is refused before it is sent.
 */
export class MediaUploadElement extends HTMLElement {
  #api = new ApiClient("/api/", "");
  readonly #input = el("input", { type: "file", multiple: "", accept: "video/*,audio/*" });
  readonly #list = el("ul", { class: "uploads" });

  connectedCallback(): void {
    this.#api = new ApiClient(this.dataset.api ?? "/api/", this.dataset.csrf ?? "");
    const label = el("label", {}, gettext("Media files"), " ", this.#input);
    const zone = el(
      "div",
      { class: "drop-zone" },
      label,
      el("p", { class: "note" }, gettext("or drop video and audio files here")),
    );
    zone.addEventListener("dragover", (event) => event.preventDefault());
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      this.#add(Array.from(event.dataTransfer?.files ?? []));
    });
    this.#input.addEventListener("change", () => {
      this.#add(Array.from(this.#input.files ?? []));
      this.#input.value = "";
    });
    this.replaceChildren(zone, this.#list);
  }

  #add(files: File[]): void {
    for (const file of files) void new UploadRow(file, this.#api, this.#endpoint, this.#list).start();
  }

  get #endpoint(): string {
    return this.#api.url(`projects/${this.dataset.project ?? ""}/uploads/`);
  }
}

class UploadRow {
  readonly #bar: HTMLProgressElement;
  readonly #status = el("span", { class: "status" });
  readonly #item: HTMLLIElement;
  #upload: Upload | null = null;

  constructor(
    readonly file: File,
    readonly api: ApiClient,
    readonly endpoint: string,
    list: HTMLElement,
  ) {
    const name = el("strong", { class: "name" }, file.name);
    this.#bar = el("progress", { max: String(file.size || 1), value: "0" });
    this.#bar.setAttribute("aria-label", gettext("%(name)s uploaded", { name: file.name }));
    this.#item = el(
      "li",
      { class: "upload", "data-file": file.name },
      name,
      " ",
      el("span", { class: "note" }, sizeText(file.size)),
      " ",
      this.#bar,
      " ",
      this.#status,
    );
    list.append(this.#item);
    this.#set("waiting", gettext("Waiting"));
  }

  async start(): Promise<void> {
    const print = await fingerprint(this.file);
    const upload = new Upload(this.file, {
      endpoint: this.endpoint,
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS,
      headers: { "X-CSRFToken": this.api.csrf },
      metadata: { filename: this.file.name, filetype: this.file.type, fingerprint: print },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      // A refused creation (a duplicate, a clip with media, too large) is final.
      onShouldRetry: (error: DetailedError) => {
        const status = error.originalResponse?.getStatus() ?? 0;
        if (error.originalRequest?.getMethod() === "POST" && status >= 400) return false;
        return navigator.onLine && (status < 400 || status >= 500 || [409, 423].includes(status));
      },
      onProgress: (sent, total) => {
        this.#bar.value = sent;
        this.#set(
          "uploading",
          gettext("Uploading: %(done)s of %(total)s", {
            done: sizeText(sent),
            total: sizeText(total),
          }),
        );
      },
      onError: (error) => this.#failed(error as DetailedError),
      onSuccess: () => void this.#follow(),
    });
    this.#upload = upload;
    const [previous] = await upload.findPreviousUploads();
    if (previous) upload.resumeFromPreviousUpload(previous);
    upload.start();
  }

  #failed(error: DetailedError): void {
    const response = error.originalResponse;
    if (!navigator.onLine || !response) {
      this.#set("offline", gettext("Connection lost: the upload resumes when the network is back"));
      const resume = (): void => {
        window.removeEventListener("online", resume);
        this.#upload?.start();
      };
      window.addEventListener("online", resume);
      return;
    }
    const message = errorMessage(response.getBody()) ?? error.message;
    const code = response.getStatus() === 409 ? "duplicate" : "refused";
    this.#set(code === "duplicate" ? "duplicate" : "refused", message);
  }

  async #follow(): Promise<void> {
    const url = this.#upload?.url;
    if (!url) return;
    this.#bar.value = this.file.size;
    this.#set("processing", gettext("Uploaded; preparing the media"));
    for (;;) {
      try {
        const answer = await this.api.get<UploadAnswer>(new URL(url, location.href).pathname);
        const state = stateAfterUpload(answer);
        const clip = answer.clip;
        if (state === "ready") {
          this.#set(state, gettext("Ready: clip %(clip)s", { clip: clip?.external_id ?? "" }));
        } else if (state === "failed" || state === "duplicate") {
          this.#set(state, clip?.media_error ?? "");
        }
        if (settled(state)) return;
      } catch {
        // offline or a hiccup: ask again at the next tick
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  #set(state: RowState, text: string): void {
    this.#item.dataset.status = state;
    this.#status.textContent = text;
  }
}
