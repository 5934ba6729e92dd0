/**
 * The SPA's runtime translations: English, German and Spanish. One catalog per language
 * (`catalogs/<lang>.json`, keys grouped by feature), read through `t(key, params)`: named
 * `{params}`, plurals by `Intl.PluralRules` (a leaf `{"one": "...", "other": "..."}` picked by
 * `params.count`), numbers formatted for the language. English is in the main bundle; German and
 * Spanish are lazy chunks loaded before they are shown. The language and the time zone are
 * signals, so everything that reads a translation follows a change at once.
 */
import { signal } from '@angular/core';
import en from './catalogs/en.json';

export const LANGUAGES = ['en', 'de', 'es'] as const;
export type Lang = (typeof LANGUAGES)[number];

/** Each language by its own name (a language menu shows them untranslated, with `lang`). */
export const LANGUAGE_NAMES: Readonly<Record<Lang, string>> = { en: 'English', de: 'Deutsch', es: 'Español' };

/** A leaf with plural forms, chosen by `Intl.PluralRules` for the `count` parameter. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
export interface CatalogTree {
  [key: string]: string | PluralForms | CatalogTree;
}
type Entry = string | PluralForms;

/** Every key of the English catalog, dotted: `'nav.bookmarks'`. A key nobody wrote does not compile. */
type KeysOf<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : keyof T[K] extends Intl.LDMLPluralRule ? `${P}${K}` : KeysOf<T[K], `${P}${K}.`>;
}[keyof T & string];
export type TKey = KeysOf<typeof en>;
export type Params = Readonly<Record<string, string | number>>;

/** Mark a key kept for later translation (a route title, a label table): `tKey('titles.search')`. */
export function tKey<K extends TKey>(key: K): K {
  return key;
}

export const PLURAL_CATEGORIES: ReadonlySet<string> = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);

export function isPluralForms(node: unknown): node is PluralForms {
  if (typeof node !== 'object' || node === null) return false;
  const keys = Object.keys(node);
  return typeof (node as { other?: unknown }).other === 'string' && keys.every((k) => PLURAL_CATEGORIES.has(k));
}

/** `{a: {b: "x"}}` as `{"a.b": "x"}`; plural leaves stay objects. */
export function flattenCatalog(tree: CatalogTree, prefix = '', out: Record<string, Entry> = {}): Record<string, Entry> {
  for (const [key, node] of Object.entries(tree)) {
    if (typeof node === 'string' || isPluralForms(node)) out[prefix + key] = node;
    else flattenCatalog(node, `${prefix}${key}.`, out);
  }
  return out;
}

const loaders: Record<Exclude<Lang, 'en'>, () => Promise<{ default: CatalogTree }>> = {
  de: () => import('./catalogs/de.json'),
  es: () => import('./catalogs/es.json'),
};

const catalogs: Partial<Record<Lang, Record<string, Entry>>> = { en: flattenCatalog(en) };
const pluralRules = new Map<Lang, Intl.PluralRules>();
const numberFormats = new Map<Lang, Intl.NumberFormat>();

const current = signal<Lang>('en');
const zone = signal<string | undefined>(undefined);
/** The language shown. */
export const locale = current.asReadonly();
/** The account's IANA time zone, or undefined for the browser's own. */
export const timeZone = zone.asReadonly();

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The language to show: the account's, else the browser's first one we speak, else English. */
export function pickLocale(account: string | null | undefined, browser: readonly string[] = []): Lang {
  for (const tag of [account, ...browser]) {
    const primary = tag?.toLowerCase().split(/[-_]/)[0];
    if (isLang(primary)) return primary;
  }
  return 'en';
}

let requested: Lang = 'en';

/** Show `lang` (loading its catalog first); the last call wins when several overlap. */
export async function setLocale(lang: Lang): Promise<void> {
  requested = lang;
  if (!catalogs[lang] && lang !== 'en') {
    try {
      catalogs[lang] = flattenCatalog((await loaders[lang]()).default);
    } catch {
      return; // offline or a missing chunk: stay in the language shown
    }
  }
  if (requested !== lang) return;
  current.set(lang);
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
}

/** Use the account's time zone for dates; an unknown name falls back to the browser's. */
export function setTimeZone(name: string | null | undefined): void {
  if (!name) return zone.set(undefined);
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    zone.set(name);
  } catch {
    zone.set(undefined);
  }
}

/** A number as people of the shown language write it: 10,000 / 10.000. */
export function formatNumber(n: number): string {
  const lang = current();
  let format = numberFormats.get(lang);
  if (!format) numberFormats.set(lang, (format = new Intl.NumberFormat(lang)));
  return format.format(n);
}

/** A date and time in the shown language and the account's time zone. */
export function formatDate(date: Date | number, options: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(current(), { ...options, timeZone: zone() }).format(date);
}

function plural(lang: Lang, count: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(lang);
  if (!rules) pluralRules.set(lang, (rules = new Intl.PluralRules(lang)));
  return rules.select(count);
}

/** The text of `key` in the shown language, its `{params}` filled in (English if a catalog lacks it). */
export function t(key: TKey, params?: Params): string {
  const lang = current();
  const entry = catalogs[lang]?.[key] ?? catalogs.en?.[key];
  if (entry === undefined) return key;
  const text = typeof entry === 'string' ? entry : (entry[plural(lang, Number(params?.['count'] ?? 0))] ?? entry.other);
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? formatNumber(value) : value;
  });
}

/** Whether a key exists (for keys built from what the server sends, such as a report reason). */
export function hasKey(key: string): key is TKey {
  return key in (catalogs.en ?? {});
}
