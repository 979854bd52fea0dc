/**
 * Chart data shaping shared by every panel: columns of numbers with gaps
 * (null = no value, drawn as a gap, never as zero).
 */

export type Column = readonly (number | null)[];

/**
 * Running sums for stacked bars: row i is columns 0..i added up, a gap
 * counting as 0 unless every column below is a gap there too (then it stays
 * a gap, so an empty slot draws no bar).
 */
export function stack(columns: readonly Column[]): (number | null)[][] {
  const sums: (number | null)[][] = [];
  let below: (number | null)[] = [];
  for (const column of columns) {
    const row = column.map((value, j) => {
      const base = below[j] ?? null;
      if (value === null) return base;
      return (base ?? 0) + value;
    });
    sums.push(row);
    below = row;
  }
  return sums;
}

/** Each part's fraction of the whole; all null when the whole is 0 (nothing to share). */
export function shares(parts: Column): (number | null)[] {
  const total = parts.reduce<number>((sum, value) => sum + (value ?? 0), 0);
  return parts.map((value) => (total > 0 ? (value ?? 0) / total : null));
}

/** The same, column by column across rows: row j of the result is `shares` of row j. */
export function shareColumns(columns: readonly Column[]): (number | null)[][] {
  const length = Math.max(0, ...columns.map((c) => c.length));
  const result = columns.map(() => new Array<number | null>(length).fill(null));
  for (let j = 0; j < length; j++) {
    const row = columns.map((c) => c[j] ?? null);
    if (row.every((value) => value === null)) continue;
    for (const [i, share] of shares(row).entries()) result[i]![j] = share;
  }
  return result;
}

/** The last value that is not a gap, or null. */
export function lastValue(column: Column): number | null {
  for (let i = column.length - 1; i >= 0; i--) {
    const value = column[i];
    if (value !== null && value !== undefined) return value;
  }
  return null;
}
