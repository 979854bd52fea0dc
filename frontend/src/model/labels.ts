/**
 * The project's label schema and the choices an annotator makes against it:
 * Basic-7 (single), GoEmotions (multi), intensity (ordinal), each possibly
 * "Unsure". A choice set is a plain object keyed by layer name, exactly the
 * shape of a static payload (and of a segment's label fields).
 */

import type { Schemas } from "../api/types";
import { pgettext } from "../i18n";

export const UNSURE = "Unsure";

export type Lang = "en" | "zh";

/** The server's label schema and its parts (generated from its OpenAPI schema). */
export type Label = Schemas["LabelOption"];
export type Layer = Schemas["LabelLayer"];
export type LabelSchema = Schemas["LabelSchema"];

/** single: a label, multi: labels, ordinal: an integer (read-only here). */
export type LabelValue = Readonly<Schemas["LabelValue"]>;
export type Choices = Readonly<Record<string, LabelValue>>;

export function langOf(code: string | undefined): Lang {
  return code?.toLowerCase().startsWith("zh") ? "zh" : "en";
}

/** The label's name in `lang`, else in English, else its value (empty names count as missing). */
export function labelText(label: Label, lang: Lang): string {
  return label[lang] || label.en || label.value;
}

/** The language a label is not shown in first. */
export function otherLang(lang: Lang): Lang {
  return lang === "en" ? "zh" : "en";
}

/**
 * The label's name in `lang` and, when the schema names it in both languages
 * (differently), its name in the other one; `other` is null otherwise.
 */
export function labelNames(label: Label, lang: Lang): { text: string; other: string | null } {
  const text = labelText(label, lang);
  const other = label[lang] ? label[otherLang(lang)] : undefined;
  return { text, other: other && other !== text ? other : null };
}

/** "Joy · 喜悦" in English, "喜悦 · Joy" in Chinese; the one name when only one is known. */
export function bilingualText(label: Label, lang: Lang): string {
  const { text, other } = labelNames(label, lang);
  return other === null ? text : `${text} · ${other}`;
}

/** Names as a list in the interface language: "A, B" in English ("A、B" once translated). */
export function listText(names: readonly string[]): string {
  return names.join(pgettext("list separator", ", "));
}

export function layerTitle(layer: Layer, lang: Lang): string {
  return layer.title?.[lang] ?? layer.title?.en ?? layer.name;
}

/** The layer's labels, with "Unsure" last when the layer allows it. */
export function options(layer: Layer): Label[] {
  const labels = [...(layer.labels ?? [])];
  if (layer.allow_unsure) labels.push({ value: UNSURE, en: UNSURE, zh: "不确定" });
  return labels;
}

export function choose(choices: Choices, layer: Layer, value: string): Choices {
  return { ...choices, [layer.name]: value };
}

/** Toggles one label of a multi layer; "Unsure" excludes every other label. */
export function toggle(choices: Choices, layer: Layer, value: string): Choices {
  const current = asList(choices[layer.name]);
  let next: string[];
  if (current.includes(value)) next = current.filter((v) => v !== value);
  else if (value === UNSURE) next = [UNSURE];
  else next = [...current.filter((v) => v !== UNSURE), value];
  const order = options(layer).map((l) => l.value);
  return { ...choices, [layer.name]: next.sort((a, b) => order.indexOf(a) - order.indexOf(b)) };
}

export function setOrdinal(choices: Choices, layer: Layer, value: number): Choices {
  const lo = layer.min ?? 1;
  const hi = layer.max ?? 5;
  return Number.isInteger(value) && value >= lo && value <= hi
    ? { ...choices, [layer.name]: value }
    : choices;
}

export function asList(value: LabelValue | undefined): string[] {
  return Array.isArray(value) ? [...(value as readonly string[])] : [];
}

/**
 * Labels of `layer` matching what was typed, in either language or by value,
 * case-insensitive; those whose words start with the query come first.
 */
export function filterOptions(layer: Layer, query: string): Label[] {
  const q = query.trim().toLowerCase();
  const all = options(layer);
  if (!q) return all;
  const texts = (l: Label): string[] =>
    [l.value, l.en ?? "", l.zh ?? ""].map((s) => s.toLowerCase());
  const hits = all.filter((l) => texts(l).some((s) => s.includes(q)));
  const starts = (l: Label): boolean =>
    texts(l).some((s) => s.split(/[\s_-]+/).some((w) => w.startsWith(q)));
  return [...hits.filter(starts), ...hits.filter((l) => !starts(l))];
}

/** The layers a segment is labelled with: primary, secondary, intensity (those the schema names). */
export function segmentLayers(schema: LabelSchema): Layer[] {
  const roles = schema.segments;
  if (!roles) return [];
  return [roles.primary, roles.secondary, roles.intensity]
    .map((name) => schema.layers.find((l) => l.name === name))
    .filter((l): l is Layer => l !== undefined);
}
