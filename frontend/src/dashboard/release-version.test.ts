import { describe, expect, it } from "vitest";
import { nextVersion } from "./release-version";

describe("nextVersion", () => {
  it("bumps one part and resets the ones after it", () => {
    expect(nextVersion("1.4.2", "patch")).toBe("1.4.3");
    expect(nextVersion("1.4.2", "minor")).toBe("1.5.0");
    expect(nextVersion("1.4.2", "major")).toBe("2.0.0");
  });

  it("starts at 1.0.0", () => {
    expect(nextVersion(null, "patch")).toBe("1.0.0");
    expect(nextVersion("draft", "minor")).toBe("1.0.0");
  });
});
