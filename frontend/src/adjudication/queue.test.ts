import { describe, expect, it } from "vitest";
import { countText, PAGE_SIZE, pager, queueEntry, queuePath } from "./queue";
import type { Dispute, Page } from "./types";

const DISPUTE = {
  id: 7,
  external_id: "dia12_utt3",
  kind: "static",
  why: ["Tier low", "3 different labels from 3 annotators"],
  in_progress: false,
  yours: false,
  agreement: {
    n_annotations: 3,
    tier: "low",
    confidence: 0.3333,
    n_distinct: 3,
    aggregate: {},
    metrics: { top_share: 0.3333 },
    computed_at: "2025-01-01T00:00:00Z",
  },
} as unknown as Dispute;

describe("queueEntry", () => {
  it("says the clip, tier, confidence and why", () => {
    const entry = queueEntry(DISPUTE);
    expect(entry).toMatchObject({
      clipId: 7,
      title: "dia12_utt3",
      tier: "low",
      tierText: "low",
      confidence: "33%",
      why: ["Tier low", "3 different labels from 3 annotators"],
      inProgress: false,
      busy: "",
      label: "dia12_utt3: tier low, confidence 33%",
    });
  });

  it("says when another adjudicator has it open, and copes without agreement", () => {
    const entry = queueEntry({ ...DISPUTE, agreement: null, in_progress: true });
    expect(entry.tier).toBe("");
    expect(entry.label).toBe("dia12_utt3: tier none, confidence —, open by another adjudicator");
    expect(entry.busy).toBe("open by another adjudicator");
  });

  it("says when the one asking has it open", () => {
    const entry = queueEntry({ ...DISPUTE, in_progress: true, yours: true });
    expect(entry.label).toBe("dia12_utt3: tier low, confidence 33%, open by you");
    expect(entry.busy).toBe("open by you");
  });
});

describe("paging", () => {
  const page = (count: number, next: string | null, previous: string | null): Page<Dispute> => ({
    count,
    next,
    previous,
    results: [],
  });

  it("asks for a fixed page size", () => {
    expect(queuePath("emos demo", 2)).toBe(
      `projects/emos%20demo/disputes/?page=2&page_size=${PAGE_SIZE}`,
    );
  });

  it("counts pages and follows the server's links", () => {
    expect(pager(page(PAGE_SIZE * 2 + 1, "x", "y"), 2)).toEqual({
      page: 2,
      pages: 3,
      hasPrevious: true,
      hasNext: true,
      summary: "Page 2 of 3",
    });
    expect(pager(page(0, null, null), 1)).toMatchObject({ pages: 1, hasNext: false });
  });

  it("counts clips", () => {
    expect(countText(1)).toBe("1 disputed clip");
    expect(countText(4)).toBe("4 disputed clips");
  });
});
