/**
 * Front-end text goes through Django's catalogue: the page loads Django's
 * JavaScript catalogue (`/jsi18n/`, domain "djangojs") before this bundle, so
 * `window.django.gettext` answers in the user's language. Without it (unit
 * tests), text stays English. Strings must be literals in calls to `gettext`,
 * `ngettext` or `pgettext` so that `makemessages -d djangojs` finds them.
 */

interface DjangoCatalog {
  gettext(msgid: string): string;
  ngettext(singular: string, plural: string, count: number): string;
  pgettext(context: string, msgid: string): string;
}

function catalog(): DjangoCatalog | undefined {
  return (globalThis as { django?: DjangoCatalog }).django;
}

/** Replace `%(name)s` placeholders, as Django's `interpolate(fmt, obj, true)` does. */
export function interpolate(
  template: string,
  values: Readonly<Record<string, string | number>> = {},
): string {
  return template.replace(/%\((\w+)\)s/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}

export function gettext(
  msgid: string,
  values?: Readonly<Record<string, string | number>>,
): string {
  return interpolate(catalog()?.gettext(msgid) ?? msgid, values);
}

export function ngettext(
  singular: string,
  plural: string,
  count: number,
  values: Readonly<Record<string, string | number>> = {},
): string {
  const text = catalog()?.ngettext(singular, plural, count) ?? (count === 1 ? singular : plural);
  return interpolate(text, { count, ...values });
}

export function pgettext(
  context: string,
  msgid: string,
  values?: Readonly<Record<string, string | number>>,
): string {
  return interpolate(catalog()?.pgettext(context, msgid) ?? msgid, values);
}

/** The page's language ("en" or "zh"), from `<html lang>` which Django sets. */
export function pageLanguage(): "en" | "zh" {
  const lang = globalThis.document?.documentElement.lang ?? "en";
  return lang.toLowerCase().startsWith("zh") ? "zh" : "en";
}
