// Which translation keys the SPA's code names, for src/app/i18n/i18n.spec.ts (a key used but in
// no catalog, a catalog key nobody uses, or words in a template that skip the catalogs fail it).
// Run alone, it prints what is wrong and exits 1: `node scripts/i18n-usage.mjs`.
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

/**
 * Words a person would see that skip the catalogs: text in an inline template, a static
 * `aria-label`, `placeholder`, `title`, `alt`, `label` or `text` attribute with words in it, and
 * an announcement or a question (`announce('…')`, `confirm('…')`) written as a literal.
 */
export function untranslated(sources = appSources()) {
  const found = [];
  for (const { file, text } of sources) {
    for (const m of text.matchAll(/template: `([\s\S]*?)`,\n/g)) {
      const template = m[1];
      for (const a of template.matchAll(/\s(aria-label|placeholder|title|alt|label|text)="([^"]*)"/g)) {
        if (/[A-Za-z]{2,}/.test(a[2])) found.push(`${file}: ${a[1]}="${a[2]}"`);
      }
      const words = template
        .replace(/\{\{[\s\S]*?\}\}/g, ' ')
        .replace(/<[^>]*>/g, ' ')
        .replace(/@(?:if|else if|for|switch|case|let)\b[^{]*\{|@else|@default/g, ' ')
        .replace(/&#?\w+;/g, ' ')
        .replace(/\bDevThread\b/g, ' ');
      for (const line of words.split('\n')) if (/[A-Za-z]{2,}/.test(line)) found.push(`${file}: ${line.trim()}`);
    }
    for (const m of text.matchAll(/\b(?:announce|confirm\?\.)\(\s*(['"`][^'"`]*[A-Za-z]{2,}[^'"`]*['"`])/g)) found.push(`${file}: ${m[0]}`);
  }
  return found;
}

if (process.argv[1] === import.meta.filename) {
  const catalog = JSON.parse(readFileSync(join(root, 'src', 'app', 'i18n', 'catalogs', 'en.json'), 'utf8'));
  const { missing, emptyPrefixes, unused } = usageProblems(catalog);
  for (const key of missing) console.error(`used but in no catalog: ${key}`);
  for (const prefix of emptyPrefixes) console.error(`no key under: ${prefix}`);
  for (const key of unused) console.error(`in the catalogs, used nowhere: ${key}`);
  const raw = untranslated();
  for (const line of raw) console.error(`not through t(): ${line}`);
  process.exit(missing.length + emptyPrefixes.length + unused.length + raw.length ? 1 : 0);
}
