/**
 * A multi-label layer (GoEmotions): a filter, and the labels as one
 * multi-select listbox, a single tab stop (roving tabindex): arrows and
 * Home/End move, Space toggles, a letter goes back to the filter. Enter in the
 * filter adds its best match (never removes one) and moves onto it, so the
 * keys that follow are shortcuts again rather than filter text; / (the
 * shortcut map's) focuses the filter.
 */

import { gettext } from "../i18n";
import {
  asList,
  filterOptions,
  labelText,
  layerTitle,
  listText,
  options,
  toggle,
} from "../model/labels";
import { type LayerInput, type LayerKind, labelName, NONE, picked } from "./kind";

export const multi: LayerKind = {
  keys: () => gettext("/ to find"),

  render(layer, host) {
    const title = layerTitle(layer, host.lang);
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
    /** Said after the chosen labels until the next change (e.g. "joy is already chosen"). */
    let notice = "";
    const items = new Map<string, HTMLElement>();
    const change = (value: string): void => host.change(toggle(host.choices(), layer, value));
    for (const option of options(layer)) {
      const item = document.createElement("div");
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.value = option.value;
      item.tabIndex = items.size === 0 ? 0 : -1;
      item.append(...host.names(option));
      item.addEventListener("click", () => {
        rove(item);
        change(option.value);
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
    const input: LayerInput = {
      nodes: [filter, chosen, list],
      sync(value) {
        const selected = picked(value);
        for (const [name, item] of items)
          item.setAttribute("aria-selected", String(selected.includes(name)));
        const names = asList(value).map((v) => {
          const label = options(layer).find((l) => l.value === v);
          return label ? labelText(label, host.lang) : v;
        });
        const text = names.length
          ? gettext("Chosen: %(labels)s", { labels: listText(names) })
          : gettext("None chosen yet");
        chosen.textContent = notice ? `${text}. ${notice}` : text;
      },
      reset() {
        notice = "";
      },
      focus: () => filter.focus(),
    };
    filter.addEventListener("input", () => {
      notice = "";
      applyFilter();
    });
    filter.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        const best = applyFilter();
        if (best === undefined || filter.value.trim() === "") return;
        if (asList(host.choices()[layer.name]).includes(best)) {
          const label = options(layer).find((l) => l.value === best);
          notice = gettext("%(label)s is already chosen: Space on it in the list removes it.", {
            label: label ? labelText(label, host.lang) : best,
          });
          input.sync(host.choices()[layer.name]);
        } else change(best);
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
        change(item.dataset.value ?? "");
      } else if (/^\p{L}$/u.test(e.key)) {
        // Typing a name in the list finds it: the letter goes to the filter.
        filter.value += e.key;
        applyFilter();
        filter.focus();
      } else return;
      e.preventDefault();
    });
    return input;
  },

  shortcut(_layer, action, _host, input) {
    if (action.name !== "filter-secondary") return false;
    input.focus?.();
    return true;
  },

  filled: (value) => asList(value).length > 0,

  fromPayload(layer, value) {
    if (!Array.isArray(value)) return undefined;
    const allowed = options(layer).map((l) => l.value);
    return value.filter((v): v is string => typeof v === "string" && allowed.includes(v));
  },

  text(layer, value, lang) {
    // One label alone (a share of time) reads like a set of one.
    const list = typeof value === "string" ? [value] : asList(value as string[] | undefined);
    return list.length ? listText(list.map((v) => labelName(layer, v, lang))) : NONE;
  },

  answerKey(value) {
    if (value === undefined || value === null) return null;
    return JSON.stringify(
      asList(value as string[])
        .slice()
        .sort(),
    );
  },

  headline: false,
};
