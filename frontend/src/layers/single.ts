/** A single-label layer: one label (or Unsure) as radio buttons, keys 1–9, 0 for Unsure. */

import { gettext } from "../i18n";
import { choose, options, UNSURE } from "../model/labels";
import { type LayerKind, radioInput, scalarKey, scalarText } from "./kind";

export const single: LayerKind = {
  keys: () => gettext("1–7, 0 unsure"),

  render(layer, host) {
    const choices = options(layer).map((l, i) => ({
      value: l.value,
      text: host.names(l),
      key: l.value === UNSURE ? "0" : String(i + 1),
    }));
    return radioInput(layer, choices, (value) => choose(host.choices(), layer, value), host);
  },

  shortcut(layer, action, host) {
    if (action.name === "primary") {
      const label = layer.labels?.[action.index];
      if (label) host.change(choose(host.choices(), layer, label.value));
      return true;
    }
    if (action.name === "primary-unsure") {
      if (layer.allow_unsure) host.change(choose(host.choices(), layer, UNSURE));
      return true;
    }
    return false;
  },

  filled: (value) => value !== undefined,

  fromPayload(layer, value) {
    const allowed = options(layer).map((l) => l.value);
    return typeof value === "string" && allowed.includes(value) ? value : undefined;
  },

  text: scalarText,
  answerKey: scalarKey,
  headline: true,
};
