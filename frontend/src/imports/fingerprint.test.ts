import { describe, expect, it } from "vitest";
import { FINGERPRINT_SPAN, fingerprint, sizeText } from "./fingerprint";

// hashlib.sha256(str(len(d)).encode() + d[:MiB] + d[-MiB:]).hexdigest(), by Python.

describe("fingerprint", () => {
  it("hashes the size and both ends, as the server's tests do", async () => {
    const data = new Uint8Array(3 * FINGERPRINT_SPAN + 17).map((_, i) => (i * 7) % 251);
    expect(await fingerprint(new Blob([data]))).toBe(
      "c6eae7459a723d0996b3b11290d31fb37fd0318ad0cdcf6ec10979a37c3b7f0e",
    );
  });

  it("tells files apart that differ only in the middle's length", async () => {
    const a = new Uint8Array(3 * FINGERPRINT_SPAN);
    const b = new Uint8Array(3 * FINGERPRINT_SPAN + 1);
    expect(await fingerprint(new Blob([a]))).not.toBe(await fingerprint(new Blob([b])));
  });

  it("reads a small file whole (both ends overlap)", async () => {
    const data = new Uint8Array([1, 2, 3]);
    expect(await fingerprint(new Blob([data]))).toBe(
      "85d162720457e337e3ee5f886e1a46867bd04f0fa748b119213e8ae9a94e2f13",
    );
  });
});

describe("sizeText", () => {
  it("uses binary units", () => {
    expect(sizeText(512)).toBe("512 B");
    expect(sizeText(200 * 1024 * 1024)).toBe("200.0 MiB");
    expect(sizeText(3.5 * 1024 ** 3)).toBe("3.5 GiB");
  });
});
