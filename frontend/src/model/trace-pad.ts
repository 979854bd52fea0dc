/**
 * The valence/arousal pad: where the pointer, the arrow keys or a gamepad
 * stick put the current value. The first dimension runs left to right, the
 * second bottom to top. Values are clamped to each dimension's range and kept
 * to 4 decimals (the server stores float32; the JSON stays short).
 */

import type { Schemas } from "../api/types";

/** One dimension of the project's trace config, as the server gives it. */
export type Dimension = Schemas["TraceDimension"];

export type PadValue = readonly number[];

const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;

function fromUnit(u: number, d: Dimension): number {
  return round4(d.min + Math.min(1, Math.max(0, u)) * (d.max - d.min));
}

export function toUnit(v: number, d: Dimension): number {
  return d.max === d.min ? 0.5 : (v - d.min) / (d.max - d.min);
}

export function centre(dims: readonly Dimension[]): PadValue {
  return dims.map((d) => fromUnit(0.5, d));
}

/** The value under a point of a `width` x `height` pad (pixels from its top left). */
export function valueAtPoint(
  x: number,
  y: number,
  width: number,
  height: number,
  dims: readonly Dimension[],
): PadValue {
  const units = [width > 0 ? x / width : 0.5, height > 0 ? 1 - y / height : 0.5];
  return dims.map((d, i) => fromUnit(units[i] ?? 0.5, d));
}

/** Arrow-key step: a twentieth of the range, a fifth with Shift; null for other keys. */
export function nudge(
  value: PadValue,
  key: string,
  shift: boolean,
  dims: readonly Dimension[],
): PadValue | null {
  const move = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowDown: [1, -1], ArrowUp: [1, 1] }[key];
  if (key === "Home") return centre(dims);
  if (!move) return null;
  const [axis, dir] = move as [number, number];
  return dims.map((d, i) =>
    i === axis
      ? fromUnit(toUnit(value[i] ?? 0, d) + dir * (shift ? 0.2 : 0.05), d)
      : (value[i] ?? fromUnit(0.5, d)),
  );
}

/**
 * A stick (axes in [-1, 1], y pointing down as the Gamepad API reports it)
 * mapped onto the pad, with a radial dead zone rescaled so that the value
 * grows smoothly from the centre. `active` is false inside the dead zone.
 */
export function valueFromStick(
  axisX: number,
  axisY: number,
  dims: readonly Dimension[],
  deadZone = 0.15,
): { value: PadValue; active: boolean } {
  const r = Math.hypot(axisX, axisY);
  if (r <= deadZone) return { value: centre(dims), active: false };
  const scale = Math.min(1, (r - deadZone) / (1 - deadZone)) / r;
  const units = [(axisX * scale + 1) / 2, (-axisY * scale + 1) / 2];
  return { value: dims.map((d, i) => fromUnit(units[i] ?? 0.5, d)), active: true };
}
