/**
 * Radar chart geometry: n axes from the centre, the first pointing up, the
 * rest clockwise; a value 0–1 lies that fraction of the way out along its axis.
 */

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface RadarFrame {
  readonly cx: number;
  readonly cy: number;
  readonly radius: number;
}

/** Angle of axis i of n, in radians (SVG: y grows downwards). */
export function axisAngle(i: number, n: number): number {
  return -Math.PI / 2 + (2 * Math.PI * i) / n;
}

/** Values outside 0–1 are clamped; a missing or non-finite value sits at the centre. */
export function unit(value: number | null | undefined): number {
  if (value === null || value === undefined || !Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, value));
}

export function radarPoint(i: number, n: number, value: number, frame: RadarFrame): Point {
  const angle = axisAngle(i, n);
  const r = unit(value) * frame.radius;
  return { x: frame.cx + r * Math.cos(angle), y: frame.cy + r * Math.sin(angle) };
}

/**
 * One annotator's polygon: a vertex per axis with a value. A missing value has
 * no vertex (its neighbours are joined), so that it does not read as 0.
 */
export function radarPolygon(values: readonly (number | null)[], frame: RadarFrame): Point[] {
  return values.flatMap((value, i) =>
    value === null || !Number.isFinite(value) ? [] : [radarPoint(i, values.length, value, frame)],
  );
}

/** A grid ring at `level` (0–1) with n corners. */
export function radarRing(level: number, n: number, frame: RadarFrame): Point[] {
  return Array.from({ length: n }, (_, i) => radarPoint(i, n, level, frame));
}

/** SVG `points` attribute, rounded to 0.01 px. */
export function pointsAttribute(points: readonly Point[]): string {
  const round = (v: number): number => Math.round(v * 100) / 100 || 0;
  return points.map((p) => `${round(p.x)},${round(p.y)}`).join(" ");
}

export interface AxisLabel extends Point {
  readonly anchor: "start" | "middle" | "end";
  readonly baseline: "auto" | "middle" | "hanging";
}

/**
 * Where axis i's label goes: `offset` px beyond the rim, anchored so that the
 * text grows away from the chart (left of a left-hand axis, above the top one).
 */
export function axisLabel(i: number, n: number, frame: RadarFrame, offset: number): AxisLabel {
  const angle = axisAngle(i, n);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const r = frame.radius + offset;
  const near = (v: number): boolean => Math.abs(v) < 0.2;
  return {
    x: frame.cx + r * cos,
    y: frame.cy + r * sin,
    anchor: near(cos) ? "middle" : cos > 0 ? "start" : "end",
    baseline: near(sin) ? "middle" : sin > 0 ? "hanging" : "auto",
  };
}
