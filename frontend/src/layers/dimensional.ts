/**
 * Several ordinal dimensions on one fixed scale, rated together (the
 * Self-Assessment Manikin, the Affect Grid): a value is `{dimension: n}`,
 * n an integer 1–steps. What follows from that alone is here — setting one
 * dimension, reading a stored value back, when it is complete, its words and
 * its comparison key; each kind's module draws its own input.
 */

import type { Choices, LabelValue, Layer } from "../model/labels";
import { type LayerKind, NONE } from "./kind";

export type DimensionalValue<D extends string> = Partial<Record<D, number>>;

export interface Dimensional<D extends string> {
  readonly dimensions: readonly D[];
  readonly steps: number;
  onScale(n: unknown): n is number;
  /** The layer's value so far, whatever the form holds (complete or not). */
  current(choices: Choices, layer: Layer): DimensionalValue<D>;
  /** Choices with `dim` of the layer set to `n` (ignored off the scale). */
  set(choices: Choices, layer: Layer, dim: D, n: number): Choices;
  /** The value read back from a payload: the dimensions it gives on the scale. */
  read(value: unknown): DimensionalValue<D> | undefined;
  /** The kind's questions that the dimensions answer. */
  readonly kind: Pick<LayerKind, "filled" | "fromPayload" | "text" | "answerKey" | "headline">;
}

export function dimensional<D extends string>(
  dimensions: readonly D[],
  steps: number,
): Dimensional<D> {
  const onScale = (n: unknown): n is number =>
    typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= steps;

  const current = (choices: Choices, layer: Layer): DimensionalValue<D> => {
    const value = choices[layer.name];
    return typeof value === "object" && !Array.isArray(value) && value !== null
      ? (value as DimensionalValue<D>)
      : {};
  };

  const read = (value: unknown): DimensionalValue<D> | undefined => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const out: DimensionalValue<D> = {};
    for (const dim of dimensions) {
      const n = (value as Record<string, unknown>)[dim];
      if (onScale(n)) out[dim] = n;
    }
    return Object.keys(out).length ? out : undefined;
  };

  return {
    dimensions,
    steps,
    onScale,
    current,
    read,

    set(choices, layer, dim, n) {
      if (!onScale(n)) return choices;
      const next: DimensionalValue<D> = { ...current(choices, layer), [dim]: n };
      return { ...choices, [layer.name]: next as LabelValue };
    },

    kind: {
      filled: (value) => dimensions.every((dim) => onScale(read(value)?.[dim])),

      fromPayload(_layer, value) {
        const given = read(value);
        return given === undefined ? undefined : (given as LabelValue);
      },

      /** Each dimension's initial and number: "V7 A3 D5", a missing one a dash. */
      text(_layer, value) {
        const given = read(value);
        if (given === undefined) return NONE;
        return dimensions.map((dim) => `${dim[0]!.toUpperCase()}${given[dim] ?? NONE}`).join(" ");
      },

      answerKey(value) {
        const given = read(value);
        return given === undefined
          ? null
          : JSON.stringify(dimensions.map((dim) => given[dim] ?? null));
      },

      headline: false,
    },
  };
}

/** The digit a key names (1–9), if it is one. */
export function digitOf(key: string): number | undefined {
  return /^[1-9]$/.test(key) ? Number(key) : undefined;
}
