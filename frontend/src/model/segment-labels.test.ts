import { describe, expect, it } from "vitest";
import { EMPTY_LABELS, mergeLabels } from "./segment-labels";
import { mergeWithNext } from "./segments";

const joy = { choices: { basic7: "Joy" }, text: { evidence: "smiles" } };
const sad = { choices: { basic7: "Sadness" }, text: {} };

describe("merging two segments' labels (both editors)", () => {
  it("keeps the first segment's labels when it has any", () => {
    expect(mergeLabels(joy, sad)).toBe(joy);
    expect(mergeLabels(joy, EMPTY_LABELS)).toBe(joy);
  });

  it("keeps the labelled one when only the second has labels", () => {
    const merged = mergeWithNext(
      [
        { start: 0, end: 1, labels: EMPTY_LABELS },
        { start: 1, end: 2, labels: sad },
      ],
      0,
      mergeLabels,
    );
    expect(merged?.segments).toEqual([{ start: 0, end: 2, labels: sad }]);
  });
});
