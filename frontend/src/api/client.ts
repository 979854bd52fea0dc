import { gettext } from "../i18n";

/**
 * JSON over fetch with the session cookie and Django's CSRF header. Every
 * failure is an ApiError: the server's `{"error": {code, message, field}}`, or
 * status 0 when no answer arrived (offline, connection reset).
 */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;

  constructor(status: number, code: string, message: string, field: string | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
  }

  /** Worth trying again later: no answer, a timeout, throttling or a server fault. */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export class ApiClient {
  readonly base: string;
  readonly #csrf: string;

  constructor(base: string, csrf: string) {
    this.base = base.endsWith("/") ? base : `${base}/`;
    this.#csrf = csrf;
  }

  get<T>(path: string): Promise<T> {
    return this.#request("GET", path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.#request("POST", path, body);
  }

  /** `keepalive`: the request outlives the page (a draft flushed as the page is left). */
  put<T>(path: string, body: unknown, { keepalive = false } = {}): Promise<T> {
    return this.#request("PUT", path, body, keepalive);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.#request("PATCH", path, body);
  }

  /** A multipart form (files), posted as the browser encodes it. */
  postForm<T>(path: string, form: FormData): Promise<T> {
    return this.#request("POST", path, form);
  }

  /** For requests made by other clients (tus uploads) on this session. */
  get csrf(): string {
    return this.#csrf;
  }

  /** `path` is relative to the API base, or absolute when it starts with "/". */
  url(path: string): string {
    return path.startsWith("/") ? path : this.base + path;
  }

  async #request<T>(method: string, path: string, body?: unknown, keepalive = false): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    const form = body instanceof FormData;
    if (body !== undefined) {
      if (!form) headers["Content-Type"] = "application/json";
      headers["X-CSRFToken"] = this.#csrf;
    }
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method,
        headers,
        credentials: "same-origin",
        keepalive,
        body: body === undefined ? undefined : form ? body : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(
        0,
        "network",
        gettext("no answer from the server (%(error)s)", { error: String(error) }),
      );
    }
    const data: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const err = (
        data as { error?: { code?: string; message?: string; field?: string | null } } | null
      )?.error;
      throw new ApiError(
        response.status,
        err?.code ?? "http",
        err?.message ?? `HTTP ${response.status} ${response.statusText}`.trim(),
        err?.field ?? null,
      );
    }
    return data as T;
  }
}

/** An error as one line for the annotator: the server's message and the field it names. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError)
    return error.field ? `${error.message} (${error.field})` : error.message;
  return error instanceof Error ? error.message : String(error);
}
