// Types of openapi-limits.mjs, for core/limits.spec.ts.
type Document = Record<string, unknown>;

/** The distinct values the document states at one pointer (one, when the pointer is right). */
export function openapiValues(doc: Document, pointer: string): unknown[];

/** The limits, by name, each read at its pointers; throws, naming every problem, when they do not fit. */
export function limitsFromDocument(doc: Document, pointers: Record<string, string[]>): Record<string, unknown>;
