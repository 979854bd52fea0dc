/**
 * Shapes of the REST API's answers that the workspace reads: the server's own,
 * generated from its OpenAPI schema into `schema.d.ts` (`npm run api-types`).
 */

import type { components } from "./schema";

/** Every component of the server's OpenAPI schema, by name. */
export type Schemas = components["schemas"];

export type TraceConfig = Schemas["TraceConfig"];
export type Project = Schemas["Project"];
export type Progress = Schemas["Progress"];
export type ReferenceSegment = Schemas["Segment"];
export type Clip = Schemas["Clip"];
export type Assignment = Schemas["Assignment"];
export type Annotation = Schemas["Annotation"];
export type AnnotationDetail = Schemas["AnnotationDetail"];
export type NextAnswer = Schemas["NextAssignment"];
export type TraceInfo = Schemas["Trace"];
