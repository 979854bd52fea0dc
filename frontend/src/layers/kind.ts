/**
 * What a kind of label layer (single, multi, ordinal…) owns on the front end:
 * its input in `<label-form>` (DOM and keys), when a value counts as given,
 * how a stored value is read back, and how a value reads in words (the
 * adjudicator's comparison, a segment's summary). One module per kind
 * implements it; `registry.ts` maps the server's layer types to them.
 */

import type { LabelAction } from "../model/shortcuts";
import {
  asList,
  bilingualText,
  type Choices,
  type Label,
  type LabelValue,
  type Lang,
  type Layer,
  options,
} from "../model/labels";

/** What an input asks of the form it is in. */
export interface InputHost {
  readonly lang: Lang;
  /** The form's current choices, every layer's. */
  choices(): Choices;
  /** New choices: the form shows them and fires `choices-change`. */
  change(next: Choices): void;
  /** A label's name in the interface language, then (dimmed) in the other one. */
  names(label: Label): (string | HTMLElement)[];
}

/** One layer's live input inside the form's fieldset for it. */
export interface LayerInput {
  /** Appended to the fieldset after its legend. */
  readonly nodes: readonly HTMLElement[];
  /** Show `value` (the layer's current choice; undefined: none). */
  sync(value: LabelValue | undefined): void;
  /** Called on every change in the form, before `sync` (a passing notice ends there). */
  reset?(): void;
  /** Focus the input's place for typing, if it has one (a filter). */
  focus?(): void;
}

export interface LayerKind {
  /** The legend's hint of this input's keys. */
  keys(layer: Layer): string;
  render(layer: Layer, host: InputHost): LayerInput;
  /**
   * A label key (the shortcut map's) applied to this layer; false when it is
   * not this kind's key. The form offers each key to its layers in order.
   */
  shortcut(layer: Layer, action: LabelAction, host: InputHost, input: LayerInput): boolean;
  /** A choice counts as given (a required layer without one is missing). */
  filled(value: LabelValue | undefined): boolean;
  /** The choice found in a stored payload's value; undefined when unknown or malformed. */
  fromPayload(layer: Layer, value: unknown): LabelValue | undefined;
  /** A value in words, for reading (both languages for labels). */
  text(layer: Layer, value: unknown, lang: Lang): string;
  /** One key per distinct answer, to compare annotators; null when there is none. */
  answerKey(value: unknown): string | null;
  /** A segment is summarised by the first layer of a kind that names its emotion. */
  readonly headline: boolean;
}

export const NONE = "—";

/** A label of the layer by value, in both languages; the value itself when unknown. */
export function labelName(layer: Layer, value: string, lang: Lang): string {
  const label = options(layer).find((l) => l.value === value);
  return label ? bilingualText(label, lang) : value;
}

/** A one-value layer's value in words: a label's names, a number as written. */
export function scalarText(layer: Layer, value: unknown, lang: Lang): string {
  if (typeof value === "string") return labelName(layer, value, lang);
  return typeof value === "number" ? String(value) : NONE;
}

export function scalarKey(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** The values a choice holds, as the inputs' values spell them. */
export function picked(value: LabelValue | undefined): string[] {
  if (Array.isArray(value)) return asList(value);
  return value === undefined ? [] : [String(value)];
}

export function kbd(text: string): HTMLElement {
  const k = document.createElement("kbd");
  k.textContent = text;
  return k;
}

export interface RadioChoice {
  readonly value: string;
  readonly text: readonly (string | HTMLElement)[];
  readonly key: string;
}

/** A radio group (one value of several), each choice with its key; what single and ordinal show. */
export function radioInput(
  layer: Layer,
  choices: readonly RadioChoice[],
  pick: (value: string) => Choices,
  host: InputHost,
): LayerInput {
  const group = document.createElement("div");
  group.className = "choices";
  const inputs: HTMLInputElement[] = [];
  for (const { value, text, key } of choices) {
    const input = document.createElement("input");
    input.type = "radio";
    input.name = layer.name;
    input.value = value;
    input.addEventListener("change", () => host.change(pick(value)));
    const label = document.createElement("label");
    label.append(input, kbd(key), ...text);
    group.append(label);
    inputs.push(input);
  }
  return {
    nodes: [group],
    sync(value) {
      const chosen = picked(value);
      for (const input of inputs) input.checked = chosen.includes(input.value);
    },
  };
}
