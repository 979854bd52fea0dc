import { gettext } from "../i18n";
import { el } from "../workspace/task";
import { countText, pager, queueEntry } from "./queue";
import type { Dispute, Page } from "./types";

/**
 * The disputed queue: count, one button per clip (`data-clip-id`) with its
 * tier, confidence and why it is disputed, and a pager. It reports picks and
 * page turns; the workspace asks the server.
 */
export interface QueueView {
  readonly root: HTMLElement;
  show(answer: Page<Dispute>, page: number): void;
  /** Marks the clip under review (or none). */
  setCurrent(clipId: number | null): void;
  showError(message: string): void;
}

export function queueView(
  onPick: (clipId: number, title: string) => void,
  onPage: (page: number) => void,
): QueueView {
  const count = el("p", { class: "adj-count" });
  const list = el("ol", { class: "adj-queue-list" });
  const previous = el("button", { type: "button" }, gettext("Previous page"));
  const next = el("button", { type: "button" }, gettext("Next page"));
  const where = el("span", { class: "adj-page" });
  const nav = el(
    "nav",
    { class: "adj-pager", "aria-label": gettext("Pages of the queue") },
    previous,
    where,
    next,
  );
  const root = el(
    "section",
    { class: "adj-queue", "aria-labelledby": "adj-queue-title" },
    el("h2", { id: "adj-queue-title" }, gettext("Disputed clips")),
    count,
    list,
    nav,
  );
  let page = 1;
  let current: number | null = null;
  previous.addEventListener("click", () => onPage(page - 1));
  next.addEventListener("click", () => onPage(page + 1));
  list.addEventListener("click", (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-clip-id]");
    if (button) onPick(Number(button.dataset.clipId), button.dataset.title ?? "");
  });

  function mark(): void {
    for (const button of list.querySelectorAll<HTMLButtonElement>("button[data-clip-id]")) {
      const here = Number(button.dataset.clipId) === current;
      if (here) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }

  return {
    root,
    show(answer, shown) {
      page = shown;
      count.textContent = countText(answer.count);
      count.classList.remove("error");
      const items = answer.results.map((dispute) => {
        const entry = queueEntry(dispute);
        const whyId = `adj-why-${entry.clipId}`;
        const button = el(
          "button",
          {
            type: "button",
            class: "adj-queue-item",
            "data-clip-id": String(entry.clipId),
            "data-title": entry.title,
            "aria-label": entry.label,
            "aria-describedby": entry.why.length ? whyId : undefined,
          },
          el("span", { class: "adj-clip-title" }, entry.title),
          el("span", { class: `adj-tier tier-${entry.tier || "none"}` }, entry.tierText),
          el("span", { class: "adj-confidence" }, entry.confidence),
        );
        if (entry.busy) button.append(el("span", { class: "adj-busy" }, entry.busy));
        const why = entry.why.length
          ? el("ul", { class: "adj-why", id: whyId }, ...entry.why.map((w) => el("li", {}, w)))
          : "";
        return el("li", { class: entry.inProgress ? "in-progress" : undefined }, button, why);
      });
      list.replaceChildren(...items);
      if (!items.length)
        list.append(el("li", { class: "adj-none" }, gettext("Nothing to adjudicate.")));
      const p = pager(answer, shown);
      where.textContent = p.summary;
      previous.disabled = !p.hasPrevious;
      next.disabled = !p.hasNext;
      nav.hidden = !p.hasPrevious && !p.hasNext;
      mark();
    },
    setCurrent(clipId) {
      current = clipId;
      mark();
    },
    showError(message) {
      count.textContent = message;
      count.classList.add("error");
    },
  };
}
