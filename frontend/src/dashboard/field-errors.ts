import { pgettext } from "../i18n";

/**
 * Which form control a server error belongs to. The server names fields by
 * path ("routing_rule.min_confidence", "label_schema.layers[0].labels"); a
 * form has controls for some top-level keys (a JSON textarea) and for some
 * nested ones (the routing rule's inputs).
 */

export interface ErrorTarget {
  /** The control to mark, or null: show the error with the form. */
  readonly control: string | null;
  /** Where inside the control's value, for JSON textareas ("layers[0].labels"); else "". */
  readonly path: string;
}

/** `aliases` renames fields whose control is called otherwise (release "version" → "bump"). */
export function errorTarget(
  field: string | null,
  controls: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): ErrorTarget {
  if (!field) return { control: null, path: "" };
  const names = (key: string): string | null => {
    const name = aliases[key] ?? key;
    return controls.includes(name) ? name : null;
  };
  const [top = "", rest = ""] = splitFirst(field);
  const own = names(top);
  if (own) return { control: own, path: rest };
  const [inner = "", innerRest = ""] = splitFirst(rest);
  const nested = inner ? names(inner) : null;
  if (nested) return { control: nested, path: innerRest };
  return { control: null, path: field };
}

/** The message, prefixed with where inside the control's value it applies. */
export function errorText(target: ErrorTarget, message: string): string {
  return target.path
    ? pgettext("error at a place in a value", "%(path)s: %(message)s", {
        path: target.path,
        message,
      })
    : message;
}

/** "a.b[0].c" → ["a", "b[0].c"]; "a[0].b" → ["a", "[0].b"]. */
function splitFirst(path: string): [string, string] {
  const match = /^([^.[]*)\.?(.*)$/.exec(path);
  return match ? [match[1] ?? "", match[2] ?? ""] : [path, ""];
}
