// Reads the server's limits out of the OpenAPI document, at pointers such as
// "PATCH /me bio maxLength" ('METHOD /path field keyword' of a JSON request body; `name[]` is the
// array's items, `a.b` a nested field) or JSON Pointers ("#/components/schemas/..."). Used by scripts/api-types.mjs to write core/limits.json,
// and by core/limits.spec.ts to check it. tests/test_spa_e2e.py reads the served document the
// same way, on its own.

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Every schema `schema` stands for: itself, and its $ref, allOf, anyOf and oneOf, resolved. */
function branches(doc, schema) {
  if (schema.$ref) {
    let target = doc;
    for (const part of schema.$ref.replace(/^#\//, '').split('/')) target = target[part];
    return branches(doc, target);
  }
  const found = [schema];
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    for (const branch of schema[key] ?? []) found.push(...branches(doc, branch));
  }
  return found;
}

/** The value at a JSON Pointer (RFC 6901, "#/components/..."), in a list; none when absent. */
function atJsonPointer(doc, pointer) {
  let target = doc;
  for (const part of pointer.slice(2).split('/')) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(target) ? !/^\d+$/.test(key) || Number(key) >= target.length : !Object.hasOwn(Object(target), key)) {
      return [];
    }
    target = target[key];
  }
  return [target];
}

/**
 * The distinct values the document states at one pointer (one, when the pointer is right):
 * 'METHOD /path field keyword' reads a JSON request body through its $refs and unions; a JSON
 * Pointer ("#/components/schemas/Post/properties/tags/items/pattern") names one place exactly.
 */
export function openapiValues(doc, pointer) {
  if (pointer.startsWith('#/')) return atJsonPointer(doc, pointer);
  const [method, path, field, keyword, ...rest] = pointer.split(' ');
  if (!keyword || rest.length) throw new Error(`"${pointer}" is not 'METHOD /path field keyword'`);
  const shape = (p) => p.replace(/\{[^}]*\}/g, '{}');
  const operations = Object.entries(doc.paths)
    .filter(([documented, item]) => shape(documented) === shape(path) && item[method.toLowerCase()])
    .map(([, item]) => item[method.toLowerCase()]);
  if (operations.length !== 1) throw new Error(`${method} ${path} is not in the OpenAPI document`);
  let schemas = [operations[0].requestBody?.content?.['application/json']?.schema].filter(Boolean);
  for (const step of field.split('.')) {
    const name = step.replace(/\[\]$/, '');
    schemas = schemas.flatMap((root) =>
      branches(doc, root).filter((s) => s.properties?.[name]).map((s) => s.properties[name]),
    );
    if (step.endsWith('[]')) {
      schemas = schemas.flatMap((root) => branches(doc, root).filter((s) => s.items).map((s) => s.items));
    }
  }
  const values = schemas.flatMap((root) => branches(doc, root).filter((s) => keyword in s).map((s) => s[keyword]));
  return values.filter((value, i) => values.findIndex((other) => same(other, value)) === i);
}

/**
 * The limits, by name, each read at its pointers. Throws, naming every problem, when a pointer
 * finds no value or several, or when the pointers of one limit disagree.
 */
export function limitsFromDocument(doc, pointers) {
  const limits = {};
  const problems = [];
  for (const [name, places] of Object.entries(pointers)) {
    if (!Array.isArray(places) || places.length === 0) {
      problems.push(`${name}: no pointer`);
      continue;
    }
    for (const pointer of places) {
      let found;
      try {
        found = openapiValues(doc, pointer);
      } catch (error) {
        problems.push(`${name}: ${error.message}`);
        continue;
      }
      if (found.length !== 1) {
        problems.push(`${name}: ${found.length} values at "${pointer}": ${JSON.stringify(found)}`);
      } else if (name in limits && !same(limits[name], found[0])) {
        problems.push(`${name}: "${pointer}" says ${JSON.stringify(found[0])}, not ${JSON.stringify(limits[name])}`);
      } else {
        limits[name] = found[0];
      }
    }
  }
  if (problems.length) throw new Error(`The limits' pointers do not fit the document:\n  ${problems.join('\n  ')}`);
  return limits;
}
