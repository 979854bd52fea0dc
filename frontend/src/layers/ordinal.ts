/** An ordinal layer (intensity): its integers min–max as radio buttons, Shift+digit. */

import { setOrdinal } from "../model/labels";
import { type LayerKind, radioInput, scalarKey, scalarText } from "./kind";

function range(lo: number, hi: number): number[] {
  return Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);
}

export const ordinal: LayerKind = {
  keys: () => "Shift+1–5",

  render(layer, host) {
    const choices = range(layer.min ?? 1, layer.max ?? 5).map((n) => ({
      value: String(n),
      text: [],
      key: String(n),
    }));
    return radioInput(
      layer,
      choices,
      (value) => setOrdinal(host.choices(), layer, Number(value)),
      host,
    );
  },

  shortcut(layer, action, host) {
    if (action.name !== "intensity") return false;
    host.change(setOrdinal(host.choices(), layer, action.value));
    return true;
  },

  filled: (value) => value !== undefined,

  fromPayload(layer, value) {
    return typeof value === "number" ? setOrdinal({}, layer, value)[layer.name] : undefined;
  },

  text: scalarText,
  answerKey: scalarKey,
  headline: false,
};
