import { ApiClient, describeError } from "../api/client";
import { gettext } from "../i18n";
import { el } from "../workspace/task";

interface FilePreview {
  name: string;
  detected: string;
  columns: Record<string, string>;
  labels: number;
  unlabelled: number;
  skipped: number;
}

interface Preview {
  files: FilePreview[];
  annotators: { id: string; labels: number }[];
  labels: number;
  clips: { total: number; matched: number; new: number };
  unlabelled_rows: number;
  skipped: string[];
}

interface LabelImportJob {
  id: number;
  status: "preview" | "running" | "done" | "failed";
  report: {
    preview: Preview;
    created?: number;
    revised?: number;
    unchanged?: number;
    rejected?: string[];
    routed?: number;
    skipped?: string[];
    error?: string;
  };
}

const POLL_MS = 1000;
const count = (n: number): string => n.toLocaleString();

/**
 * `<label-import data-project="slug" data-api="/api/" data-csrf="…">`
 *
 * Existing first-layer labels from files (EmoS spreadsheets, `<film>.emotion.json`, CSV):
 * the server reads them and answers a preview — format, columns, annotators, clips
 * matched and new, rows to be skipped and why — and nothing is written until "Import";
 * then the import is followed to its report, which stays with the job.
 */
export class LabelImportElement extends HTMLElement {
  #api = new ApiClient("/api/", "");
  readonly #files = el("input", {
    type: "file",
    multiple: "",
    accept: ".xlsx,.csv,.json",
    name: "files",
  });
  readonly #batch = el("input", { type: "text", name: "batch" });
  readonly #annotator = el("input", { type: "text", name: "annotator" });
  readonly #previewButton = el("button", { type: "submit" }, gettext("Preview"));
  readonly #message = el("p", { class: "message", role: "status" });
  readonly #result = el("div", { class: "label-import-result" });

  connectedCallback(): void {
    this.#api = new ApiClient(this.dataset.api ?? "/api/", this.dataset.csrf ?? "");
    const form = el(
      "form",
      { class: "label-import-form" },
      el("label", {}, gettext("Label files"), " ", this.#files),
      el(
        "label",
        {},
        gettext("Batch (optional; e.g. first-2500 to read that slice of a shared sheet)"),
        " ",
        this.#batch,
      ),
      el(
        "label",
        {},
        gettext("Annotator of streaming files (they name none; default emos)"),
        " ",
        this.#annotator,
      ),
      this.#previewButton,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.#preview();
    });
    this.replaceChildren(form, this.#message, this.#result);
  }

  async #preview(): Promise<void> {
    const files = Array.from(this.#files.files ?? []);
    if (files.length === 0) {
      this.#say(gettext("Choose the label files first."));
      return;
    }
    const form = new FormData();
    for (const file of files) form.append("files", file);
    form.append("batch", this.#batch.value);
    form.append("annotator", this.#annotator.value);
    this.#previewButton.disabled = true;
    this.#say(gettext("Reading the files…"));
    this.#result.replaceChildren();
    try {
      const job = await this.#api.postForm<LabelImportJob>(
        `projects/${this.dataset.project ?? ""}/label-imports/`,
        form,
      );
      this.#say("");
      this.#showPreview(job);
    } catch (error) {
      this.#say(describeError(error));
    } finally {
      this.#previewButton.disabled = false;
    }
  }

  #showPreview(job: LabelImportJob): void {
    const p = job.report.preview;
    const importButton = el("button", { type: "button", "data-action": "import" }, gettext("Import"));
    const discard = el("button", { type: "button", "data-action": "discard" }, gettext("Discard"));
    discard.onclick = () => this.#result.replaceChildren();
    importButton.onclick = () => {
      importButton.disabled = discard.disabled = true;
      void this.#confirm(job.id);
    };
    const skipped = p.skipped.length
      ? el("ul", { class: "skipped" }, ...p.skipped.map((line) => el("li", {}, line)))
      : el("p", { class: "note" }, gettext("No row will be skipped."));
    this.#result.replaceChildren(
      el("h3", {}, gettext("Preview: nothing is imported yet")),
      el(
        "dl",
        { class: "preview" },
        ...pair(gettext("Format"), [...new Set(p.files.map((f) => f.detected))].join(", "), "format"),
        ...pair(gettext("Clips"), count(p.clips.total), "clips"),
        ...pair(gettext("Clips already in the project"), count(p.clips.matched), "matched"),
        ...pair(gettext("New clips"), count(p.clips.new), "new"),
        ...pair(
          gettext("Annotators"),
          p.annotators.map((a) => `${a.id} (${count(a.labels)})`).join(", "),
          "annotators",
        ),
        ...pair(gettext("Labels"), count(p.labels), "labels"),
        ...pair(gettext("Unlabelled rows"), count(p.unlabelled_rows), "unlabelled"),
        ...pair(gettext("Rows to be skipped"), count(p.skipped.length), "skipped"),
      ),
      skipped,
      filesTable(p.files),
      el("p", {}, importButton, " ", discard),
    );
  }

  async #confirm(id: number): Promise<void> {
    const status = el("p", { class: "progress", "data-status": "running" }, gettext("Importing…"));
    this.#result.append(status);
    try {
      let job = await this.#api.post<LabelImportJob>(`label-imports/${id}/confirm/`);
      while (job.status === "running") {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        job = await this.#api.get<LabelImportJob>(`label-imports/${id}/`);
      }
      status.dataset.status = job.status;
      status.textContent =
        job.status === "done" ? gettext("Imported.") : gettext("The import failed.");
      this.#result.append(reportOf(job));
    } catch (error) {
      status.dataset.status = "error";
      status.textContent = describeError(error);
    }
  }

  #say(text: string): void {
    this.#message.textContent = text;
  }
}

function pair(term: string, value: string, key: string): HTMLElement[] {
  return [el("dt", {}, term), el("dd", { "data-key": key }, value)];
}

function filesTable(files: FilePreview[]): HTMLTableElement {
  const head = el(
    "tr",
    {},
    ...[
      gettext("File"),
      gettext("Read as"),
      gettext("Columns"),
      gettext("Labels"),
      gettext("Unlabelled"),
      gettext("Skipped"),
    ].map((h) => el("th", { scope: "col" }, h)),
  );
  const rows = files.map((f) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, f.name),
      el("td", {}, f.detected),
      el(
        "td",
        {},
        Object.entries(f.columns)
          .map(([what, column]) => `${what} ← ${column}`)
          .join("; "),
      ),
      el("td", {}, count(f.labels)),
      el("td", {}, count(f.unlabelled)),
      el("td", {}, count(f.skipped)),
    ),
  );
  return el(
    "table",
    { class: "files" },
    el("caption", {}, gettext("Files and the columns read")),
    el("thead", {}, head),
    el("tbody", {}, ...rows),
  );
}

function reportOf(job: LabelImportJob): HTMLElement {
  const r = job.report;
  if (job.status === "failed") return el("p", { class: "error" }, r.error ?? "");
  const lines = [...(r.skipped ?? []), ...(r.rejected ?? [])];
  return el(
    "div",
    { class: "report" },
    el(
      "dl",
      {},
      ...pair(gettext("New labels"), count(r.created ?? 0), "created"),
      ...pair(gettext("Revised"), count(r.revised ?? 0), "revised"),
      ...pair(gettext("Unchanged"), count(r.unchanged ?? 0), "unchanged"),
      ...pair(gettext("Rejected"), count(r.rejected?.length ?? 0), "rejected"),
      ...pair(gettext("Clips sent to routing"), count(r.routed ?? 0), "routed"),
    ),
    lines.length ? el("ul", { class: "skipped" }, ...lines.map((l) => el("li", {}, l))) : "",
  );
}
