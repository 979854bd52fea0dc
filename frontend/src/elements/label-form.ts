import { pageLanguage } from "../i18n";
import { type InputHost, kbd, type LayerInput } from "../layers/kind";
import { kindOf } from "../layers/registry";
import {
  type Choices,
  type Label,
  labelNames,
  type Lang,
  type Layer,
  layerTitle,
  otherLang,
} from "../model/labels";
import type { LabelAction } from "../model/shortcuts";

/**
 * `<label-form>`: one set of choices against label layers, each layer a
 * fieldset whose input its kind renders (`layers/`: a single-label layer as
 * radio buttons, keys 1–7 and 0 for Unsure; a multi-label layer as one
 * multi-select listbox with type-to-filter, / focuses the filter; an ordinal
 * layer as radio buttons, Shift+1–5). Set `layers`, `lang` and `value`; every
 * change fires `choices-change` with the new choices.
 * A label the schema names in both languages shows both, the interface
 * language first ("Joy · 喜悦" / "喜悦 · Joy"); the filter matches either.
 */

const STYLE = `
:host { display: block; }
fieldset { border: 1px solid #d0d7de; border-radius: 6px; margin: 0 0 0.6rem; padding: 0.4rem 0.6rem 0.6rem; }
legend { font-weight: 600; padding: 0 0.3rem; }
.choices { display: flex; flex-wrap: wrap; gap: 0.3rem; }
.choices label, .multi [role=option] {
  display: inline-flex; align-items: center; gap: 0.3rem; padding: 0.15rem 0.5rem;
  border: 1px solid #d0d7de; border-radius: 999px; cursor: pointer; background: #fff;
}
label:has(input:checked) { background: #ddf4ff; border-color: #0969da; }
label:has(input:focus-visible) { outline: 3px solid #0969da; outline-offset: 1px; }
input[type=search]:focus-visible { outline: 3px solid #0969da; outline-offset: 1px; }
.multi { display: flex; flex-wrap: wrap; gap: 0.25rem; max-height: 9.5rem; overflow-y: auto; margin-top: 0.4rem; padding: 4px; }
.multi [role=option][hidden] { display: none; }
.multi [role=option][aria-selected=true] { background: #ddf4ff; border-color: #0969da; }
.multi [role=option][aria-selected=true]::before { content: "✓"; color: #0969da; font-weight: 600; }
.multi [role=option]:focus-visible { outline: 3px solid #0969da; outline-offset: 1px; }
.multi [role=option].best { border-color: #9a6700; box-shadow: 0 0 0 1px #9a6700; }
kbd { font: 0.7rem ui-monospace, monospace; color: #57606a; border: 1px solid #d0d7de; border-radius: 3px; padding: 0 0.2rem; }
input[type=search] { width: 100%; box-sizing: border-box; padding: 0.3rem; font: inherit; }
.chosen { margin: 0.3rem 0 0; color: #57606a; font-size: 0.85rem; }
.other { color: #57606a; }
.missing legend { color: #cf222e; }
`;

export class LabelFormElement extends HTMLElement {
  readonly #root = this.attachShadow({ mode: "open" });
  #layers: readonly Layer[] = [];
  #lang: Lang = pageLanguage();
  #value: Choices = {};
  /** Each layer's fieldset and input, in schema order. */
  #inputs: { layer: Layer; fieldset: HTMLFieldSetElement; input: LayerInput }[] = [];
  #missing: readonly string[] = [];

  set layers(layers: readonly Layer[]) {
    this.#layers = layers;
    this.#build();
  }

  set lang(lang: Lang) {
    this.#lang = lang;
    this.#build();
  }

  get value(): Choices {
    return this.#value;
  }

  set value(value: Choices) {
    this.#value = value;
    this.#sync();
  }

  /** Marks the layers still to be chosen (after a refused submit). */
  set missing(names: readonly string[]) {
    this.#missing = names;
    this.#sync();
  }

  /** A label key of the shortcut map, applied to the first layer whose kind takes it. */
  applyShortcut(action: LabelAction): void {
    const host = this.#host();
    this.#inputs.some(({ layer, input }) => kindOf(layer).shortcut(layer, action, host, input));
  }

  #host(): InputHost {
    return {
      lang: this.#lang,
      choices: () => this.#value,
      change: (value) => this.#change(value),
      names: (label) => this.#names(label),
    };
  }

  #change(value: Choices): void {
    this.#value = value;
    for (const { input } of this.#inputs) input.reset?.();
    this.#sync();
    this.dispatchEvent(new CustomEvent("choices-change", { detail: value, bubbles: true }));
  }

  #build(): void {
    const style = document.createElement("style");
    style.textContent = STYLE;
    const host = this.#host();
    this.#inputs = this.#layers.map((layer) => {
      const kind = kindOf(layer);
      const fieldset = document.createElement("fieldset");
      fieldset.dataset.layer = layer.name;
      const legend = document.createElement("legend");
      legend.append(`${layerTitle(layer, this.#lang)} `, kbd(kind.keys(layer)));
      const input = kind.render(layer, host);
      fieldset.append(legend, ...input.nodes);
      return { layer, fieldset, input };
    });
    this.#root.replaceChildren(style, ...this.#inputs.map((i) => i.fieldset));
    this.#sync();
  }

  #sync(): void {
    for (const { layer, fieldset, input } of this.#inputs) {
      input.sync(this.#value[layer.name]);
      fieldset.classList.toggle("missing", this.#missing.includes(layer.name));
    }
  }

  /** The label's name in the interface language, then (dimmed) in the other one if known. */
  #names(label: Label): (string | HTMLElement)[] {
    const { text, other } = labelNames(label, this.#lang);
    if (other === null) return [text];
    const span = document.createElement("span");
    span.className = "other";
    span.lang = otherLang(this.#lang) === "zh" ? "zh-Hans" : "en";
    span.textContent = `· ${other}`;
    return [text, span];
  }
}
