import { gettext, pageLanguage } from "../i18n";
import {
  type Choices,
  choose,
  filterOptions,
  type Label,
  labelNames,
  labelText,
  type Lang,
  type Layer,
  layerTitle,
  listText,
  options,
  otherLang,
  setOrdinal,
  toggle,
  UNSURE,
  asList,
} from "../model/labels";
import type { LabelAction } from "../model/shortcuts";

/**
 * `<label-form>`: one set of choices against label layers — a single-label
 * layer as radio buttons (keys 1–7, 0 for Unsure), a multi-label layer as
 * one multi-select listbox with type-to-filter (/ focuses the filter, Enter
 * adds the best match), an ordinal layer as radio buttons (Shift+1–5). Set `layers`, `lang`
 * and `value`; every change fires `choices-change` with the new choices.
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
  #filter: HTMLInputElement | null = null;
  #chosen: HTMLElement | null = null;
  #missing: readonly string[] = [];
  /** Said after the chosen labels until the next change (e.g. "joy is already chosen"). */
  #notice = "";

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

  chooseSingle(index: number): void {
    const layer = this.#layer("single");
    const label = layer?.labels?.[index];
    if (layer && label) this.#change(choose(this.#value, layer, label.value));
  }

  chooseUnsure(): void {
    const layer = this.#layer("single");
    if (layer?.allow_unsure) this.#change(choose(this.#value, layer, UNSURE));
  }

  setOrdinal(value: number): void {
    const layer = this.#layer("ordinal");
    if (layer) this.#change(setOrdinal(this.#value, layer, value));
  }

  focusFilter(): void {
    this.#filter?.focus();
  }

  /** A label key of the shortcut map, applied to this form. */
  applyShortcut(action: LabelAction): void {
    if (action.name === "primary") this.chooseSingle(action.index);
    else if (action.name === "primary-unsure") this.chooseUnsure();
    else if (action.name === "intensity") this.setOrdinal(action.value);
    else this.focusFilter();
  }

  #layer(type: Layer["type"]): Layer | undefined {
    return this.#layers.find((l) => l.type === type);
  }

  #change(value: Choices): void {
    this.#value = value;
    this.#notice = "";
    this.#sync();
    this.dispatchEvent(new CustomEvent("choices-change", { detail: value, bubbles: true }));
  }

  #build(): void {
    const style = document.createElement("style");
    style.textContent = STYLE;
    this.#root.replaceChildren(style, ...this.#layers.map((layer) => this.#fieldset(layer)));
    this.#sync();
  }

  #fieldset(layer: Layer): HTMLFieldSetElement {
    const fieldset = document.createElement("fieldset");
    fieldset.dataset.layer = layer.name;
    const legend = document.createElement("legend");
    const keys = {
      single: gettext("1–7, 0 unsure"),
      multi: gettext("/ to find"),
      ordinal: "Shift+1–5",
    }[layer.type];
    legend.append(`${layerTitle(layer, this.#lang)} `, kbd(keys));
    fieldset.append(legend);
    if (layer.type === "multi") {
      fieldset.append(...this.#multi(layer));
      return fieldset;
    }
    const group = document.createElement("div");
    group.className = "choices";
    const values =
      layer.type === "single"
        ? options(layer).map((l, i) => ({
            value: l.value,
            text: this.#names(l),
            key: l.value === UNSURE ? "0" : String(i + 1),
          }))
        : range(layer.min ?? 1, layer.max ?? 5).map((n) => ({
            value: String(n),
            text: [],
            key: String(n),
          }));
    for (const { value, text, key } of values) {
      const input = document.createElement("input");
      input.type = "radio";
      input.name = layer.name;
      input.value = value;
      input.addEventListener("change", () =>
        this.#change(
          layer.type === "single"
            ? choose(this.#value, layer, value)
            : setOrdinal(this.#value, layer, Number(value)),
        ),
      );
      const label = document.createElement("label");
      label.append(input, kbd(key), ...text);
      group.append(label);
    }
    fieldset.append(group);
    return fieldset;
  }

  /**
   * The multi-label layer: a filter, and the labels as one multi-select listbox, a single tab
   * stop (roving tabindex): arrows and Home/End move, Space toggles, a letter goes back to the
   * filter. Enter in the filter adds its best match (never removes one) and moves onto it, so
   * the keys that follow are shortcuts again rather than filter text.
   */
  #multi(layer: Layer): HTMLElement[] {
    const title = layerTitle(layer, this.#lang);
    const listId = `options-${layer.name}`;
    const filter = document.createElement("input");
    filter.type = "search";
    filter.placeholder = gettext("Type to filter, Enter to pick");
    filter.setAttribute("aria-label", gettext("Find a %(layer)s label", { layer: title }));
    filter.setAttribute("aria-controls", listId);
    const chosen = document.createElement("p");
    chosen.className = "chosen";
    chosen.setAttribute("aria-live", "polite");
    const list = document.createElement("div");
    list.className = "multi";
    list.id = listId;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-multiselectable", "true");
    list.setAttribute("aria-label", title);
    const items = new Map<string, HTMLElement>();
    for (const option of options(layer)) {
      const item = document.createElement("div");
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.value = option.value;
      item.tabIndex = items.size === 0 ? 0 : -1;
      item.append(...this.#names(option));
      item.addEventListener("click", () => {
        rove(item);
        this.#change(toggle(this.#value, layer, option.value));
      });
      items.set(option.value, item);
      list.append(item);
    }
    const visible = (): HTMLElement[] => [...items.values()].filter((i) => !i.hidden);
    const rove = (to: HTMLElement): void => {
      for (const item of items.values()) item.tabIndex = item === to ? 0 : -1;
    };
    const moveTo = (item: HTMLElement | undefined): void => {
      if (!item) return;
      rove(item);
      item.focus();
    };
    const applyFilter = (): string | undefined => {
      const hits = filterOptions(layer, filter.value).map((l) => l.value);
      for (const [value, item] of items) {
        item.hidden = !hits.includes(value);
        item.classList.toggle("best", filter.value !== "" && value === hits[0]);
      }
      // The tab stop stays on a label that is shown.
      if (![...items.values()].some((i) => i.tabIndex === 0 && !i.hidden)) {
        const first = visible()[0];
        if (first) rove(first);
      }
      return hits[0];
    };
    filter.addEventListener("input", () => {
      this.#notice = "";
      applyFilter();
    });
    filter.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        const best = applyFilter();
        if (best === undefined || filter.value.trim() === "") return;
        if (asList(this.#value[layer.name]).includes(best)) {
          const label = options(layer).find((l) => l.value === best);
          this.#notice = gettext(
            "%(label)s is already chosen: Space on it in the list removes it.",
            { label: label ? labelText(label, this.#lang) : best },
          );
          this.#sync();
        } else this.#change(toggle(this.#value, layer, best));
        filter.value = "";
        applyFilter();
        moveTo(items.get(best));
      } else if (e.key === "ArrowDown") {
        e.preventDefault();
        moveTo(visible()[0]);
      }
    });
    list.addEventListener("keydown", (e) => {
      const item = (e.target as HTMLElement).closest<HTMLElement>("[role=option]");
      if (!item || e.ctrlKey || e.metaKey || e.altKey) return;
      const shown = visible();
      const at = shown.indexOf(item);
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
      if (step !== undefined) {
        if (at + step < 0) filter.focus();
        else moveTo(shown[Math.min(shown.length - 1, at + step)]);
      } else if (e.key === "Home" || e.key === "End") {
        moveTo(e.key === "Home" ? shown[0] : shown.at(-1));
      } else if (e.key === " ") {
        this.#change(toggle(this.#value, layer, item.dataset.value ?? ""));
      } else if (/^\p{L}$/u.test(e.key)) {
        // Typing a name in the list finds it: the letter goes to the filter.
        filter.value += e.key;
        applyFilter();
        filter.focus();
      } else return;
      e.preventDefault();
    });
    this.#filter = filter;
    this.#chosen = chosen;
    return [filter, chosen, list];
  }

  #sync(): void {
    for (const fieldset of this.#root.querySelectorAll("fieldset")) {
      const name = fieldset.dataset.layer ?? "";
      const value = this.#value[name];
      const picked = Array.isArray(value)
        ? asList(value)
        : value === undefined
          ? []
          : [String(value)];
      for (const input of fieldset.querySelectorAll<HTMLInputElement>("input[type=radio]")) {
        input.checked = picked.includes(input.value);
      }
      for (const item of fieldset.querySelectorAll<HTMLElement>("[role=option]")) {
        item.setAttribute("aria-selected", String(picked.includes(item.dataset.value ?? "")));
      }
      fieldset.classList.toggle("missing", this.#missing.includes(name));
    }
    const multi = this.#layer("multi");
    if (multi && this.#chosen) {
      const names = asList(this.#value[multi.name]).map((v) => {
        const label = options(multi).find((l) => l.value === v);
        return label ? labelText(label, this.#lang) : v;
      });
      const chosen = names.length
        ? gettext("Chosen: %(labels)s", { labels: listText(names) })
        : gettext("None chosen yet");
      this.#chosen.textContent = this.#notice ? `${chosen}. ${this.#notice}` : chosen;
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

function kbd(text: string): HTMLElement {
  const k = document.createElement("kbd");
  k.textContent = text;
  return k;
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);
}
