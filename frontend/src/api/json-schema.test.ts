import { describe, expect, it } from "vitest";
import { checkAgainst } from "./json-schema";
import COMPONENTS from "./json-schemas.json";

/** The server's layer types, as its message lists them. */
const TYPES = COMPONENTS.LabelLayer.properties.type.enum.join(", ");

const LAYER = { name: "basic7", type: "single", labels: [{ value: "Joy" }, { value: "Anger" }] };
const TRACE = { rate_hz: 25, dimensions: [{ name: "valence", min: -1, max: 1 }] };

describe("checkAgainst the server's schemas", () => {
  it("accepts what the server's presets hold", () => {
    expect(checkAgainst("LabelSchema", { version: 1, layers: [LAYER] })).toBeNull();
    expect(
      checkAgainst("LabelSchema", {
        layers: [LAYER, { name: "intensity", type: "ordinal", min: 1, max: 5 }],
        segments: { primary: "basic7", secondary: null, text_fields: ["evidence"] },
      }),
    ).toBeNull();
    expect(checkAgainst("TraceConfig", { ...TRACE, chunk_seconds: 1, min_coverage: 0.9 })).toBeNull();
  });

  it("names where a value breaks the schema, and how", () => {
    expect(checkAgainst("LabelSchema", { layers: [] })).toEqual({
      path: "layers",
      message: "needs at least 1 item",
    });
    expect(checkAgainst("LabelSchema", { layers: [{ ...LAYER, type: "scale" }] })).toEqual({
      path: "layers[0].type",
      message: `must be one of ${TYPES}`,
    });
    expect(checkAgainst("LabelSchema", { layers: [{ type: "single" }] })).toEqual({
      path: "layers[0].name",
      message: "is required",
    });
    expect(checkAgainst("LabelSchema", { layers: [{ ...LAYER, labels: [{ value: 3 }] }] })).toEqual(
      { path: "layers[0].labels[0].value", message: "must be text" },
    );
    expect(checkAgainst("LabelSchema", { layers: [{ ...LAYER, min: 1.5 }] })?.message).toBe(
      "must be a whole number",
    );
    expect(checkAgainst("LabelSchema", { layers: [LAYER], segments: { primary: null } })).toEqual({
      path: "segments.primary",
      message: "must not be null",
    });
    expect(checkAgainst("TraceConfig", { ...TRACE, rate_hz: 500 })).toEqual({
      path: "rate_hz",
      message: "must be at most 100",
    });
    expect(checkAgainst("TraceConfig", { ...TRACE, dimensions: "valence" })).toEqual({
      path: "dimensions",
      message: "must be a list",
    });
  });

  it("checks a value union with any of its forms", () => {
    expect(checkAgainst("LabelValue", "Joy")).toBeNull();
    expect(checkAgainst("LabelValue", ["joy", "pride"])).toBeNull();
    expect(checkAgainst("LabelValue", 3)).toBeNull();
    expect(checkAgainst("LabelValue", [3])?.message).toBe("is not of a kind allowed here");
    expect(checkAgainst("Payload", { segments: [{ start: 0, end: 1, basic7: "Joy" }] })).toBeNull();
    expect(checkAgainst("Payload", { basic7: { joy: 1 } })?.message).toBe(
      "is not of a kind allowed here",
    );
  });
});
