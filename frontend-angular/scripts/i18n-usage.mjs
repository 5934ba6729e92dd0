// Which translation keys the SPA's code names, for src/app/i18n/i18n.spec.ts (a key used but in
// no catalog, or a catalog key nobody uses, fails it). Run alone, it prints both lists and exits 1
// when either is not empty: `node scripts/i18n-usage.mjs`.
//
// Keys are always written out in the code, so a search finds them: a quoted `'a.b'` on a line that
// translates (`t(`, `tKey(`, `| t`), such as `t(on ? 'a.on' : 'a.off')` or `'a.b' | t`; `t(`a.${x}`)`
// names a prefix (every key under `a.` counts as used).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

// The SPA's folder: where the tests run (bundled, this file is elsewhere), else beside scripts/.
const root = existsSync(join(process.cwd(), 'src', 'app', 'i18n')) ? process.cwd() : join(import.meta.dirname, '..');

/** Every source file of the app: not tests, not the generated API types, not the mock server. */
export function appSources(dir = join(root, 'src', 'app')) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'mock' ? [] : appSources(path);
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.spec.ts') || entry.name === 'api.generated.ts') return [];
    return [{ file: path.slice(root.length + 1), text: readFileSync(path, 'utf8') }];
  });
}

/** The keys and key prefixes the sources name, each with the first file that names it. */
export function usedKeys(sources = appSources()) {
  const keys = new Map();
  const prefixes = new Map();
  const note = (map, key, file) => map.has(key) || map.set(key, file);
  for (const { file, text } of sources) {
    for (const line of text.split('\n')) {
      if (!/\b(?:t|tKey)\(|\|\s*t\b/.test(line)) continue;
      for (const m of line.matchAll(/'([a-z]\w*(?:\.\w+)+)'/g)) note(keys, m[1], file);
      for (const m of line.matchAll(/\bt\(\s*`([\w.]*)\$\{/g)) note(prefixes, m[1], file);
    }
  }
  return { keys, prefixes };
}

/** `{a: {b: "x"}}` as `["a.b"]`; a leaf of plural forms (`one`, `other`, ...) is one key. */
export function catalogKeys(tree, prefix = '') {
  const plural = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);
  return Object.entries(tree).flatMap(([key, node]) =>
    typeof node === 'string' || Object.keys(node).every((k) => plural.has(k)) ? [prefix + key] : catalogKeys(node, `${prefix}${key}.`),
  );
}

/** What is wrong: keys used but in no catalog, prefixes with no key, catalog keys nobody uses. */
export function usageProblems(catalog, sources = appSources()) {
  const { keys, prefixes } = usedKeys(sources);
  const known = new Set(catalogKeys(catalog));
  return {
    count: keys.size,
    missing: [...keys].filter(([key]) => !known.has(key)).map(([key, file]) => `${key} (${file})`),
    emptyPrefixes: [...prefixes].filter(([prefix]) => ![...known].some((k) => k.startsWith(prefix))).map(([p, file]) => `${p}… (${file})`),
    unused: [...known].filter((key) => !keys.has(key) && ![...prefixes.keys()].some((p) => key.startsWith(p))),
  };
}

if (process.argv[1] === import.meta.filename) {
  const catalog = JSON.parse(readFileSync(join(root, 'src', 'app', 'i18n', 'catalogs', 'en.json'), 'utf8'));
  const { missing, emptyPrefixes, unused } = usageProblems(catalog);
  for (const key of missing) console.error(`used but in no catalog: ${key}`);
  for (const prefix of emptyPrefixes) console.error(`no key under: ${prefix}`);
  for (const key of unused) console.error(`in the catalogs, used nowhere: ${key}`);
  process.exit(missing.length + emptyPrefixes.length + unused.length ? 1 : 0);
}
