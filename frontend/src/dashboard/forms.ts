import { el } from "../workspace/task";

export type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/**
 * A labelled control with an optional hint and a place for its error: the
 * error is announced with the control (`aria-describedby`) and marks it
 * `aria-invalid`; the user's input stays as it is.
 */
export class Field {
  readonly root: HTMLElement;
  readonly #error: HTMLElement;
  readonly #hintId: string | null;

  constructor(
    readonly control: Control,
    label: string,
    hint?: string,
  ) {
    const id = control.id;
    const hintNode = hint ? el("p", { class: "hint", id: `${id}-hint` }, hint) : null;
    this.#hintId = hintNode?.id ?? null;
    this.#error = el("p", { class: "field-error", id: `${id}-error`, hidden: "" });
    const labelNode = el("label", { for: id }, label);
    const checkbox = control instanceof HTMLInputElement && control.type === "checkbox";
    this.root = el(
      "div",
      { class: checkbox ? "field checkbox" : "field" },
      ...(checkbox ? [control, labelNode] : [labelNode, control]),
      ...(hintNode ? [hintNode] : []),
      this.#error,
    );
    this.showError(null);
  }

  /** The control's text; a number the browser could not read is "NaN", not empty. */
  get text(): string {
    const c = this.control;
    return c instanceof HTMLInputElement && c.validity.badInput ? "NaN" : c.value;
  }

  showError(message: string | null): void {
    this.#error.textContent = message ?? "";
    this.#error.hidden = message === null;
    const describedBy = [this.#hintId, message === null ? null : this.#error.id].filter(Boolean);
    if (describedBy.length > 0)
      this.control.setAttribute("aria-describedby", describedBy.join(" "));
    else this.control.removeAttribute("aria-describedby");
    if (message === null) this.control.removeAttribute("aria-invalid");
    else this.control.setAttribute("aria-invalid", "true");
  }
}

export function input(
  id: string,
  name: string,
  attributes: Record<string, string> = {},
): HTMLInputElement {
  return el("input", { id, name, ...attributes });
}

export function select(
  id: string,
  name: string,
  choices: readonly [string, string][],
): HTMLSelectElement {
  return el(
    "select",
    { id, name },
    ...choices.map(([value, text]) => el("option", { value }, text)),
  );
}
