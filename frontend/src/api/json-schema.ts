/**
 * Checks a value against one of the server's JSON Schemas (`json-schemas.json`,
 * written by `npm run api-types` from `annotation/api_schemas.py`): the same
 * schema the API documents, so the page refuses what the server would, and
 * names where. Covers the OpenAPI 3.0 keywords those schemas use.
 */

import { gettext, ngettext } from "../i18n";
import COMPONENTS from "./json-schemas.json";

export interface JsonSchema {
  readonly $ref?: string;
  readonly type?: "object" | "array" | "string" | "number" | "integer" | "boolean";
  readonly nullable?: boolean;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: JsonSchema | boolean;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
}

export type Component = keyof typeof COMPONENTS;

export interface Problem {
  /** Where in the value: `layers[1].type`; "" for the value itself. */
  readonly path: string;
  /** What is wrong, in the reader's language. */
  readonly message: string;
}

const components = COMPONENTS as Readonly<Record<string, JsonSchema>>;

/** The first thing in `value` that the named schema refuses, or null. */
export function checkAgainst(component: Component, value: unknown): Problem | null {
  return check(components[component]!, value, "");
}

function resolve(schema: JsonSchema): JsonSchema {
  return schema.$ref ? resolve(components[schema.$ref.split("/").pop()!]!) : schema;
}

function typeProblem(type: NonNullable<JsonSchema["type"]>, value: unknown): string | null {
  switch (type) {
    case "object":
      return isObject(value) ? null : gettext("must be an object");
    case "array":
      return Array.isArray(value) ? null : gettext("must be a list");
    case "string":
      return typeof value === "string" ? null : gettext("must be text");
    case "number":
      return typeof value === "number" ? null : gettext("must be a number");
    case "integer":
      return Number.isInteger(value) ? null : gettext("must be a whole number");
    case "boolean":
      return typeof value === "boolean" ? null : gettext("must be true or false");
  }
}

function check(raw: JsonSchema, value: unknown, path: string): Problem | null {
  const schema = resolve(raw);
  const at = (message: string): Problem => ({ path, message });
  if (value === null) return schema.nullable ? null : at(gettext("must not be null"));
  for (const part of schema.allOf ?? []) {
    const problem = check(part, value, path);
    if (problem) return problem;
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && !alternatives.some((s) => check(s, value, path) === null))
    return at(gettext("is not of a kind allowed here"));
  if (schema.type) {
    const problem = typeProblem(schema.type, value);
    if (problem) return at(problem);
  }
  if (schema.enum && !schema.enum.includes(value))
    return at(gettext("must be one of %(choices)s", { choices: schema.enum.join(", ") }));
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum)
      return at(gettext("must be at least %(min)s", { min: schema.minimum }));
    if (schema.maximum !== undefined && value > schema.maximum)
      return at(gettext("must be at most %(max)s", { max: schema.maximum }));
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      return at(
        ngettext("needs at least %(count)s item", "needs at least %(count)s items", schema.minItems),
      );
    if (schema.items) {
      for (const [i, item] of value.entries()) {
        const problem = check(schema.items, item, `${path}[${i}]`);
        if (problem) return problem;
      }
    }
  }
  if (isObject(value)) {
    const field = (key: string): string => (path ? `${path}.${key}` : key);
    for (const key of schema.required ?? [])
      if (!(key in value)) return { path: field(key), message: gettext("is required") };
    for (const [key, item] of Object.entries(value)) {
      const sub = schema.properties?.[key] ?? schema.additionalProperties;
      if (typeof sub !== "object") continue; // not described: the server keeps it as it is
      const problem = check(sub, item, field(key));
      if (problem) return problem;
    }
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
