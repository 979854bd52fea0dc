/**
 * The kinds of label layer the front end knows, by the server's layer type
 * (`LabelLayer.type` of the API schema: a type the server adds fails to
 * compile here until a module implements it). Every question that depends on
 * a layer's type is asked here; nothing outside `layers/` branches on it.
 */

import type { Choices, LabelValue, Lang, Layer } from "../model/labels";
import { affectGrid } from "./affect-grid";
import type { LayerKind } from "./kind";
import { multi } from "./multi";
import { ordinal } from "./ordinal";
import { sam } from "./sam";
import { single } from "./single";

const KINDS: Readonly<Record<Layer["type"], LayerKind>> = {
  single,
  multi,
  ordinal,
  sam,
  affect_grid: affectGrid,
};

export function kindOf(layer: Layer): LayerKind {
  return KINDS[layer.type];
}

/** The required layers among `layers` that have no choice yet. */
export function missing(layers: readonly Layer[], choices: Choices): Layer[] {
  return layers.filter(
    (layer) => layer.required !== false && !kindOf(layer).filled(choices[layer.name]),
  );
}

/** The schema's choices found in a draft payload; anything unknown or malformed is left out. */
export function choicesFrom(
  layers: readonly Layer[],
  payload: Readonly<Record<string, unknown>>,
): Choices {
  const out: Record<string, LabelValue> = {};
  for (const layer of layers) {
    const value = kindOf(layer).fromPayload(layer, payload[layer.name]);
    if (value !== undefined) out[layer.name] = value;
  }
  return out;
}

/** A label value in words: both languages for labels, the number for ordinal layers. */
export function valueText(layer: Layer, value: unknown, lang: Lang): string {
  return kindOf(layer).text(layer, value, lang);
}

/** One key per distinct answer (multi-label sets compare regardless of order); null: none. */
export function answerKey(layer: Layer, value: unknown): string | null {
  return kindOf(layer).answerKey(value);
}

/** The layer that names a segment's emotion in its summary (the first single-label one). */
export function headlineLayer(layers: readonly Layer[]): Layer | undefined {
  return layers.find((layer) => kindOf(layer).headline);
}
