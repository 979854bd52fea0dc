/** The disputed queue in words: what each entry and the pager say. */

import { gettext, ngettext } from "../i18n";
import { percent, tierText } from "./format";
import type { Dispute, Page, Tier } from "./types";

/** Clips per page of the queue (the server allows up to 500). */
export const PAGE_SIZE = 25;

export function queuePath(slug: string, page: number): string {
  return `projects/${encodeURIComponent(slug)}/disputes/?page=${page}&page_size=${PAGE_SIZE}`;
}

export interface QueueEntry {
  readonly clipId: number;
  readonly title: string;
  readonly tier: Tier;
  readonly tierText: string;
  readonly confidence: string;
  readonly why: readonly string[];
  readonly inProgress: boolean;
  /** Who has it open: "open by you", "open by another adjudicator" or "". */
  readonly busy: string;
  /** The whole entry in one phrase, for the button's accessible name. */
  readonly label: string;
}

export function queueEntry(d: Dispute): QueueEntry {
  const tier = d.agreement?.tier ?? "";
  const confidence = percent(d.agreement?.confidence);
  const values = { clip: d.external_id, tier: tierText(tier), confidence };
  return {
    clipId: d.id,
    title: d.external_id,
    tier,
    tierText: tierText(tier),
    confidence,
    why: d.why,
    inProgress: d.in_progress,
    busy: busyText(d),
    label: d.yours
      ? gettext("%(clip)s: tier %(tier)s, confidence %(confidence)s, open by you", values)
      : d.in_progress
        ? gettext(
            "%(clip)s: tier %(tier)s, confidence %(confidence)s, open by another adjudicator",
            values,
          )
        : gettext("%(clip)s: tier %(tier)s, confidence %(confidence)s", values),
  };
}

/** Who has the clip open, in words ("" when nobody). */
function busyText(d: Dispute): string {
  if (d.yours) return gettext("open by you");
  return d.in_progress ? gettext("open by another adjudicator") : "";
}

export interface Pager {
  readonly page: number;
  readonly pages: number;
  readonly hasPrevious: boolean;
  readonly hasNext: boolean;
  readonly summary: string;
}

export function pager(answer: Page<Dispute>, page: number): Pager {
  const pages = Math.max(1, Math.ceil(answer.count / PAGE_SIZE));
  return {
    page,
    pages,
    hasPrevious: answer.previous !== null,
    hasNext: answer.next !== null,
    summary: gettext("Page %(page)s of %(pages)s", { page, pages }),
  };
}

export function countText(count: number): string {
  return ngettext("%(count)s disputed clip", "%(count)s disputed clips", count);
}
