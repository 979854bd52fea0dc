/**
 * What the server compares to recognise a file it has already received before any of its
 * bytes are sent: SHA-256 of the size (decimal), the first MiB and the last MiB. Hashing a
 * whole file of several GB in the browser is not practical (SubtleCrypto wants it in memory);
 * two media files alike in size and both ends are the same recording. The ingest's full
 * SHA-256 still decides.
 */
export const FINGERPRINT_SPAN = 1 << 20;

export async function fingerprint(file: Blob): Promise<string> {
  const size = new TextEncoder().encode(String(file.size));
  const head = new Uint8Array(await file.slice(0, FINGERPRINT_SPAN).arrayBuffer());
  const tail = new Uint8Array(
    await file.slice(Math.max(0, file.size - FINGERPRINT_SPAN)).arrayBuffer(),
  );
  const all = new Uint8Array(size.length + head.length + tail.length);
  all.set(size, 0);
  all.set(head, size.length);
  all.set(tail, size.length + head.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Bytes as people read them (base 1024, one decimal from MiB up). */
export function sizeText(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
