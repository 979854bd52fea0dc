import { pageLanguage, pgettext } from "../i18n";

/**
 * Numbers and dates in the page language. Intl needs a region for Chinese
 * ("zh-CN": 2026/11/20, grouping 100,000), English stays unmarked.
 */

export interface Formatters {
  readonly locale: string;
  /** Counts: "100,000". */
  count(value: number): string;
  /** Agreement figures and confidences: "0.53", "−0.12". */
  decimal(value: number | null, digits?: number): string;
  /** A fraction 0–1 as "42%". */
  percent(fraction: number | null): string;
  /** A day: "Nov 20" / "11月20日". */
  day(date: Date): string;
  /** A moment: "Nov 20, 2026, 10:00 AM" / "2026年11月20日 10:00". */
  moment(date: Date): string;
  /** A time of day: "10:00 AM" / "10:00". */
  clock(date: Date): string;
  /** A file size in megabytes: "12.5 MB". */
  megabytes(bytes: number): string;
}

export function formatters(lang: "en" | "zh"): Formatters {
  const locale = lang === "zh" ? "zh-CN" : "en";
  const count = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const decimals = new Map<number, Intl.NumberFormat>();
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });
  const day = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric" });
  const moment = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  const clock = new Intl.DateTimeFormat(locale, { timeStyle: "short" });
  const megabytes = new Intl.NumberFormat(locale, {
    style: "unit",
    unit: "megabyte",
    maximumFractionDigits: 1,
  });
  const decimal = (digits: number): Intl.NumberFormat => {
    let format = decimals.get(digits);
    if (!format) {
      format = new Intl.NumberFormat(locale, {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
      decimals.set(digits, format);
    }
    return format;
  };
  return {
    locale,
    count: (value) => count.format(value),
    decimal: (value, digits = 2) => (value === null ? "—" : decimal(digits).format(value)),
    percent: (fraction) => (fraction === null ? "—" : percent.format(fraction)),
    day: (date) => day.format(date),
    moment: (date) => moment.format(date),
    clock: (date) => clock.format(date),
    megabytes: (bytes) => megabytes.format(bytes / 1e6),
  };
}

let pageFormatters: Formatters | null = null;

/** The formatters of the page's language (fixed for the page's lifetime). */
export function fmt(): Formatters {
  pageFormatters ??= formatters(pageLanguage());
  return pageFormatters;
}

/** A named figure in running text: "Fleiss κ 0.53", "High 71%". */
export function labelledValue(label: string, value: string): string {
  return pgettext("figure value", "%(label)s %(value)s", { label, value });
}
