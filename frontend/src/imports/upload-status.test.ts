import { describe, expect, it } from "vitest";
import { errorMessage, settled, stateAfterUpload, type UploadAnswer } from "./upload-status";

const answer = (media_status: string | null): UploadAnswer => ({
  id: "u",
  filename: "a.mp4",
  length: 10,
  offset: 10,
  status: "complete",
  clip: media_status
    ? { id: 1, external_id: "a", media_status, media_error: "" }
    : null,
});

describe("stateAfterUpload", () => {
  it("follows the ingest", () => {
    expect(stateAfterUpload(answer("pending"))).toBe("processing");
    expect(stateAfterUpload(answer("processing"))).toBe("processing");
    expect(stateAfterUpload(answer(null))).toBe("processing");
    expect(stateAfterUpload(answer("ready"))).toBe("ready");
    expect(stateAfterUpload(answer("failed"))).toBe("failed");
    expect(stateAfterUpload(answer("duplicate"))).toBe("duplicate");
  });

  it("stops polling once the file is settled", () => {
    expect(settled("processing")).toBe(false);
    expect(settled("offline")).toBe(false);
    expect(settled("ready") && settled("failed") && settled("refused")).toBe(true);
  });
});

describe("errorMessage", () => {
  it("reads the API's error body", () => {
    expect(errorMessage('{"error": {"code": "duplicate", "message": "same"}}')).toBe("same");
    expect(errorMessage("Conflict")).toBeNull();
    expect(errorMessage(undefined)).toBeNull();
  });
});
