import { describe, expect, it } from "vitest";
import { errorTarget, errorText } from "./field-errors";

const CONTROLS = ["overlap_k", "min_confidence", "min_trace_ccc", "label_schema", "trace_config"];

describe("errorTarget", () => {
  it("finds a top-level control", () => {
    expect(errorTarget("overlap_k", CONTROLS)).toEqual({ control: "overlap_k", path: "" });
  });

  it("finds the control of a nested key", () => {
    expect(errorTarget("routing_rule.min_confidence", CONTROLS)).toEqual({
      control: "min_confidence",
      path: "",
    });
  });

  it("keeps the path inside a JSON control", () => {
    expect(errorTarget("label_schema.layers[0].labels", CONTROLS)).toEqual({
      control: "label_schema",
      path: "layers[0].labels",
    });
    expect(errorTarget("trace_config.dimensions[1]", CONTROLS)).toEqual({
      control: "trace_config",
      path: "dimensions[1]",
    });
  });

  it("leaves unknown fields and errors without a field to the form", () => {
    expect(errorTarget("routing_rule", CONTROLS)).toEqual({ control: null, path: "routing_rule" });
    expect(errorTarget("routing_rule.aggregator", CONTROLS)).toEqual({
      control: null,
      path: "routing_rule.aggregator",
    });
    expect(errorTarget(null, CONTROLS)).toEqual({ control: null, path: "" });
  });

  it("follows aliases", () => {
    expect(errorTarget("version", ["bump", "description"], { version: "bump" })).toEqual({
      control: "bump",
      path: "",
    });
  });
});

describe("errorText", () => {
  it("says where inside the value", () => {
    expect(
      errorText({ control: "label_schema", path: "layers[0].labels" }, "needs at least two labels"),
    ).toBe("layers[0].labels: needs at least two labels");
    expect(errorText({ control: "overlap_k", path: "" }, "too big")).toBe("too big");
  });
});
