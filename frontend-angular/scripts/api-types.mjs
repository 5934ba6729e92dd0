#!/usr/bin/env node
// Writes what the SPA takes from the API's OpenAPI document (openapi.json beside package.json,
// as `flask openapi` prints it):
//   src/app/core/api.generated.ts  the API's types, by openapi-typescript (core/models.ts names them);
//   src/app/core/limits.json       the server's limits, read at the pointers that file lists.
// A file is rewritten only when its text changes, so `make spa` rebuilds only when the API did.
// `npm run types`; `make spa-types` runs `flask openapi` first. With `--out DIR` both files go
// to DIR instead, and nothing in src/ changes: `make spa-types-check` diffs them with src/.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { limitsFromDocument } from './openapi-limits.mjs';

const root = join(import.meta.dirname, '..');
const core = join(root, 'src', 'app', 'core');
const { values: args } = parseArgs({
  options: {
    document: { type: 'string', default: join(root, 'openapi.json') },
    out: { type: 'string', default: core },
  },
});

const document = JSON.parse(readFileSync(args.document, 'utf8'));
const generator = JSON.parse(readFileSync(join(root, 'node_modules', 'openapi-typescript', 'package.json'), 'utf8'));

function write(name, text) {
  mkdirSync(args.out, { recursive: true });
  const path = join(args.out, name);
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}

// What shapes a value's type; every other keyword (pattern, maxLength, required, not...) only
// asserts something of a value that the type already describes.
const SHAPING = ['type', '$ref', 'enum', 'const', 'items', 'prefixItems', 'additionalProperties', 'anyOf', 'oneOf', 'allOf'];

function asserts(schema) {
  return (
    typeof schema === 'object' &&
    !SHAPING.some((key) => key in schema) &&
    Object.values(schema.properties ?? {}).every(asserts)
  );
}

/**
 * The document without the unions that only assert: a PATCH body's "one field at least, not null"
 * (`anyOf: [{required: [name], properties: {name: {not: {type: 'null'}}}}, ...]`), a website's
 * "a scheme, or 8 characters shorter". TypeScript cannot say them, and openapi-typescript reads
 * each branch as `unknown`, which would swallow the field's own type (`string | unknown`).
 */
function typesOnly(node) {
  if (Array.isArray(node)) return node.map(typesOnly);
  if (node === null || typeof node !== 'object') return node;
  const out = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, typesOnly(value)]));
  const shaped = ['type', '$ref', 'properties'].some((key) => key in out);
  for (const key of ['anyOf', 'oneOf']) {
    if (shaped && Array.isArray(out[key]) && out[key].every(asserts)) delete out[key];
  }
  return out;
}

// Fields with a default are left out of answers when they do not apply (a notification's
// `reason`), and may be left out of requests: they stay optional (`defaultNonNullable: false`).
const ast = await openapiTS(typesOnly(document), { defaultNonNullable: false, silent: true });
const header = `/**
 * GENERATED FILE: do not edit. The DevThread API's types, written by openapi-typescript
 * ${generator.version} (scripts/api-types.mjs) from frontend-angular/openapi.json, the document
 * /api/v1/openapi.json serves (\`flask openapi\`). \`make spa-types\` regenerates it, and
 * \`make test\` fails when it is stale. core/models.ts names the types the SPA uses.
 */

`;
write('api.generated.ts', header + astToString(ast));

const limitsFile = join(core, 'limits.json');
const { openapi: pointers } = JSON.parse(readFileSync(limitsFile, 'utf8'));
const limits = {
  $comment: [
    'Written by scripts/api-types.mjs (make spa-types) from frontend-angular/openapi.json: each value',
    'under `limits` is what the document states at every one of its pointers under `openapi`',
    "('METHOD /path field keyword' of a JSON request body, `name[]` meaning the array's items; or a",
    "JSON Pointer, '#/components/...'). Edit the pointers, never the values, then regenerate. Read only",
    'through limits.ts. core/limits.spec.ts checks the values against the committed document,',
    'tests/test_spa_e2e.py against the served one.',
  ].join(' '),
  limits: limitsFromDocument(document, pointers),
  openapi: pointers,
};
write('limits.json', JSON.stringify(limits, null, 2) + '\n');
