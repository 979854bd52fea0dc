/** What one uploaded file has become, from `GET /api/uploads/{id}/` (pure, for the row). */

export interface UploadAnswer {
  id: string;
  filename: string;
  length: number;
  offset: number;
  status: "receiving" | "complete";
  clip: { id: number; external_id: string; media_status: string; media_error: string } | null;
}

export type RowState =
  | "waiting"
  | "uploading"
  | "offline"
  | "processing"
  | "ready"
  | "failed"
  | "duplicate"
  | "refused";

/** The row's state once the bytes are on the server: the ingest's verdict, or still working. */
export function stateAfterUpload(answer: UploadAnswer): RowState {
  const status = answer.clip?.media_status;
  if (status === "ready") return "ready";
  if (status === "failed") return "failed";
  if (status === "duplicate") return "duplicate";
  return "processing";
}

/** Whether to poll the upload again. */
export function settled(state: RowState): boolean {
  return state === "ready" || state === "failed" || state === "duplicate" || state === "refused";
}

/** The server's error message in a tus error's response body, if it sent one. */
export function errorMessage(body: string | undefined): string | null {
  if (!body) return null;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    return typeof parsed.error?.message === "string" ? parsed.error.message : null;
  } catch {
    return null;
  }
}
