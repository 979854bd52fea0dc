/** Okabe–Ito colours: told apart with the common colour-vision deficiencies. */
const PALETTE = [
  "#0072b2",
  "#e69f00",
  "#009e73",
  "#cc79a7",
  "#56b4e9",
  "#d55e00",
  "#f0e442",
  "#000000",
] as const;

export function colorAt(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}
