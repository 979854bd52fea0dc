import { ApiError } from "../api/client";
import { fmt } from "../charts/format";
import { gettext } from "../i18n";
import { el } from "../workspace/task";
import { errorTarget, errorText } from "./field-errors";
import { Field, select } from "./forms";
import { type DashboardContext, messageOf, Panel } from "./panel";
import { type Bump, nextVersion } from "./release-version";
import type { Page, Release } from "./types";

/**
 * Releases, newest version first: downloads, build progress (followed while
 * any builds), failures with a retry; and a form for the next release.
 */
export class ReleasesPanel extends Panel<Page<Release>> {
  #latest: string | null = null;
  readonly #bump = new Field(
    select("release-bump", "bump", [
      ["patch", gettext("Patch")],
      ["minor", gettext("Minor")],
      ["major", gettext("Major")],
    ]),
    gettext("Kind of release"),
  );
  readonly #version = el("output", { for: "release-bump", id: "release-version" });
  readonly #description = new Field(
    el("textarea", { id: "release-description", name: "description", rows: "3" }),
    gettext("Release notes"),
  );
  readonly #media = new Field(
    select("release-media", "media", [
      ["reference", gettext("Refer to the media files")],
      ["include", gettext("Include the media files")],
      ["none", gettext("No media")],
    ]),
    gettext("Media"),
  );
  readonly #formError = el("p", { class: "message error", hidden: "" });
  readonly #create = el(
    "button",
    { type: "submit", class: "primary", "data-action": "create-release" },
    gettext("Create release"),
  );

  constructor(ctx: DashboardContext) {
    super(ctx, "releases", gettext("Releases"));
    const form = el(
      "form",
      { class: "release-form", novalidate: "", "aria-labelledby": "release-form-title" },
      el("h3", { id: "release-form-title" }, gettext("New release")),
      this.#bump.root,
      el("p", { class: "next-version" }, this.#version),
      this.#description.root,
      this.#media.root,
      this.#formError,
      this.#create,
    );
    this.#bump.control.addEventListener("change", () => this.#showVersion());
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.#submit();
    });
    this.content.addEventListener("click", (e) => {
      const button = (e.target as Element).closest<HTMLButtonElement>(
        "[data-action=retry-release]",
      );
      if (button) void this.#retry(button);
    });
    this.root.append(form);
    this.#showVersion();
  }

  protected fetch(): Promise<Page<Release>> {
    return this.ctx.api.get(`projects/${this.ctx.slug}/releases/`);
  }

  protected override running(page: Page<Release>): boolean {
    return page.results.some((r) => r.status === "pending" || r.status === "building");
  }

  protected render(page: Page<Release>): Node[] {
    this.#latest = page.results[0]?.version ?? null;
    this.#showVersion();
    if (page.results.length === 0) return [el("p", {}, gettext("No release yet."))];
    return [
      el(
        "table",
        { class: "releases" },
        el("caption", {}, gettext("Releases of this project")),
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            ...[
              gettext("Version"),
              gettext("Status"),
              gettext("Details"),
              gettext("Published"),
            ].map((h) => el("th", { scope: "col" }, h)),
          ),
        ),
        el("tbody", {}, ...page.results.map(releaseRow)),
      ),
    ];
  }

  #showVersion(): void {
    this.#version.textContent = gettext("Next version: %(version)s", {
      version: nextVersion(this.#latest, this.#bump.control.value as Bump),
    });
  }

  async #submit(): Promise<void> {
    const fields = { bump: this.#bump, description: this.#description, media: this.#media };
    for (const field of Object.values(fields)) field.showError(null);
    this.#formError.hidden = true;
    const version = nextVersion(this.#latest, this.#bump.control.value as Bump);
    this.#create.disabled = true;
    try {
      await this.ctx.api.post<Release>(`projects/${this.ctx.slug}/releases/`, {
        version,
        description: this.#description.control.value,
        options: { media: this.#media.control.value },
      });
      this.#description.control.value = "";
      this.ctx.say(gettext("Release %(version)s is being built.", { version }));
      void this.load();
    } catch (error) {
      const field = error instanceof ApiError ? error.field : null;
      const target = errorTarget(field, Object.keys(fields), { version: "bump", options: "media" });
      const message = errorText(target, messageOf(error));
      if (target.control) {
        const control = fields[target.control as keyof typeof fields];
        control.showError(message);
        control.control.focus();
      } else {
        this.#formError.textContent = message;
        this.#formError.hidden = false;
      }
      this.ctx.say(
        gettext("The release was not created: %(message)s", { message: messageOf(error) }),
        true,
      );
    } finally {
      this.#create.disabled = false;
    }
  }

  async #retry(button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const release = await this.ctx.api.post<Release>(`releases/${button.dataset.release}/retry/`);
      this.ctx.say(
        gettext("Release %(version)s is being built again.", { version: release.version }),
      );
      void this.load();
    } catch (error) {
      button.disabled = false;
      this.ctx.say(
        gettext("The build could not be retried: %(message)s", { message: messageOf(error) }),
        true,
      );
    }
  }
}

function releaseRow(release: Release): HTMLElement {
  const status = {
    pending: () => gettext("waiting"),
    building: () => gettext("building"),
    published: () => gettext("published"),
    failed: () => gettext("failed"),
  }[release.status]();
  const details = el("td", {});
  switch (release.status) {
    case "pending":
    case "building": {
      const bar = el("progress", {
        max: "1",
        "aria-label": gettext("Build progress of %(version)s", { version: release.version }),
      });
      bar.value = release.progress;
      details.append(bar, " ", release.progress_message);
      break;
    }
    case "failed": {
      const retry = el(
        "button",
        { type: "button", "data-action": "retry-release", "data-release": String(release.id) },
        gettext("Retry the build"),
      );
      if (release.error) details.append(el("p", { class: "message error" }, release.error));
      details.append(retry);
      break;
    }
    case "published":
      if (release.download_url)
        details.append(
          el(
            "a",
            { href: release.download_url, download: "" },
            gettext("Download %(version)s", { version: release.version }),
          ),
          " ",
          el(
            "span",
            { class: "note size" },
            release.size_bytes === null ? "" : fmt().megabytes(release.size_bytes),
          ),
        );
  }
  if (release.description) details.append(el("p", { class: "note" }, release.description));
  return el(
    "tr",
    { "data-status": release.status },
    el("th", { scope: "row" }, release.version),
    el("td", {}, el("span", { class: "badge" }, status)),
    details,
    el("td", {}, release.published_at ? fmt().moment(new Date(release.published_at)) : "—"),
  );
}
