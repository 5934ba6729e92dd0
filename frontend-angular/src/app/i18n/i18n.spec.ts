import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ChangeDetectionStrategy, Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { untranslated, usageProblems } from '../../../scripts/i18n-usage.mjs';
import { ADA, fakeJwt, tokens } from '../../testing/helpers';
import { Session } from '../core/session';
import { provideMockData } from '../data/mock';
import { LoginPage } from '../features/auth/login-page';
import { relativeTime } from '../shared/clock';
import de from './catalogs/de.json';
import en from './catalogs/en.json';
import es from './catalogs/es.json';
import {
  CatalogTree,
  LANGUAGES,
  LocaleSync,
  PluralForms,
  TPipe,
  flattenCatalog,
  formatDate,
  formatNumber,
  isPluralForms,
  locale,
  localeInterceptor,
  pickLocale,
  setLocale,
  setTimeZone,
  t,
  timeZone,
} from './index';

const CATALOGS: Record<string, CatalogTree> = { en, de, es };
const flat = Object.fromEntries(Object.entries(CATALOGS).map(([lang, tree]) => [lang, flattenCatalog(tree)]));

/** The texts of an entry: itself, or each plural form. */
const texts = (entry: string | PluralForms): string[] => (typeof entry === 'string' ? [entry] : Object.values(entry));
const placeholders = (entry: string | PluralForms): string[] =>
  [...new Set(texts(entry).flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();

describe('the catalogs', () => {
  it('have the same keys in every language', () => {
    for (const lang of LANGUAGES) {
      expect(Object.keys(flat[lang]).sort(), `${lang}.json`).toEqual(Object.keys(flat['en']).sort());
    }
  });

  it('have no empty translation', () => {
    for (const lang of LANGUAGES) {
      for (const [key, entry] of Object.entries(flat[lang])) {
        for (const text of texts(entry)) expect(text.trim(), `${lang}: ${key}`).not.toBe('');
      }
    }
  });

  it('fill the same {params} as English, with plural forms the language has', () => {
    for (const lang of LANGUAGES) {
      const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
      for (const [key, entry] of Object.entries(flat[lang])) {
        expect(placeholders(entry), `${lang}: ${key}`).toEqual(placeholders(flat['en'][key]));
        expect(typeof entry === 'string', `${lang}: ${key} plural or not, as in English`).toBe(typeof flat['en'][key] === 'string');
        if (isPluralForms(entry)) {
          for (const form of Object.keys(entry)) expect(categories, `${lang}: ${key}.${form}`).toContain(form);
        }
      }
    }
  });

  it('hold every key the code uses, and only those (scripts/i18n-usage.mjs reads the sources)', () => {
    const { count, missing, emptyPrefixes, unused } = usageProblems(en);
    expect(count).toBeGreaterThan(250);
    expect(missing, 'keys used in the code but in no catalog').toEqual([]);
    expect(emptyPrefixes, 't(`prefix.${…}`) with no key under the prefix').toEqual([]);
    expect(unused, 'catalog keys no code uses').toEqual([]);
    expect(untranslated(), 'words in templates or announcements that skip the catalogs').toEqual([]);
  });

  it('the check sees a missing key, an unused one and words that skip the catalogs', () => {
    const source = {
      file: 'probe.ts',
      text: [
        "const a = t('feed.showNew', { count }) + t(on ? 'nav.signIn' : 'nope.missing');",
        'const b = t(`notifications.removed.${kind}`);',
        'template: `<p title="Hello there">{{ \'nav.signOut\' | t }} Plain words</p>`,',
        "this.announcer.announce('Saved.');",
      ].join('\n'),
    };
    const { missing, unused } = usageProblems(en, [source]);
    expect(missing).toEqual(['nope.missing (probe.ts)']);
    expect(unused).toContain('feed.loading');
    expect(unused).not.toContain('notifications.removed.post');
    expect(unused).not.toContain('nav.signOut');
    expect(untranslated([source])).toEqual([
      'probe.ts: title="Hello there"',
      'probe.ts: Plain words',
      "probe.ts: announce('Saved.'",
    ]);
  });
});

describe('t', () => {
  afterEach(async () => {
    await setLocale('en');
    setTimeZone(null);
  });

  it('fills named params and picks plural forms by the language’s rules', async () => {
    expect(t('feed.showNew', { count: 1 })).toBe('Show 1 new post');
    expect(t('feed.showNew', { count: 3 })).toBe('Show 3 new posts');
    await setLocale('de');
    expect(locale()).toBe('de');
    expect(t('feed.showNew', { count: 1 })).toBe('1 neuen Beitrag anzeigen');
    expect(t('feed.showNew', { count: 1200 })).toBe('1.200 neue Beiträge anzeigen');
    await setLocale('es');
    expect(t('search.tagPosts', { count: 2 })).toBe('2 publicaciones');
    expect(document.documentElement.lang).toBe('es');
  });

  it('formats numbers, relative times and dates for the language and the account’s time zone', async () => {
    const now = Date.parse('2026-03-10T12:00:00Z');
    expect(relativeTime('2026-03-07T12:00:00Z', now)).toBe('3 days ago');
    await setLocale('de');
    expect(formatNumber(10000)).toBe('10.000');
    expect(relativeTime('2026-03-07T12:00:00Z', now)).toBe('vor 3 Tagen');
    expect(relativeTime('2026-03-10T11:55:00Z', now)).toBe('vor 5 Min.');
    setTimeZone('America/Los_Angeles');
    expect(formatDate(Date.parse('2026-03-10T03:00:00Z'), { day: 'numeric', month: 'long' })).toBe('9. März');
    setTimeZone('Not/AZone');
    expect(formatDate(Date.parse('2026-03-10T12:00:00Z'), { day: 'numeric', month: 'long' })).toBe('10. März');
  });

  it('chooses the account’s language, else the browser’s first one it speaks, else English', () => {
    expect(pickLocale('es', ['de-DE'])).toBe('es');
    expect(pickLocale(null, ['fr-FR', 'de-AT', 'en'])).toBe('de');
    expect(pickLocale(undefined, ['es_MX'])).toBe('es');
    expect(pickLocale('fr', ['ja'])).toBe('en');
  });

  it('the last language asked for wins when loads overlap', async () => {
    await Promise.all([setLocale('de'), setLocale('es')]);
    expect(locale()).toBe('es');
  });
});

@Component({
  selector: 'app-t-probe',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [TPipe],
  template: `<p>{{ 'nav.signOut' | t }}</p>`,
})
class Probe {}

describe('components in German', () => {
  afterEach(async () => await setLocale('en'));

  it('render the sign-in page in German when the locale is de', async () => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    await setLocale('de');
    const fixture = TestBed.createComponent(LoginPage);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    expect(root.querySelector('h1')?.textContent).toBe('Anmelden');
    expect(root.querySelector('label[for=login]')?.textContent?.trim()).toBe('Benutzername oder E-Mail');
    expect(root.textContent).toContain('Neu hier?');
    expect(root.textContent).not.toContain('Sign in');

    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(root.querySelector('#login-error')?.textContent).toContain('Benutzername oder E-Mail: Bitte ausfüllen.');
  });

  it('follow a change of language at once', async () => {
    const fixture = TestBed.createComponent(Probe);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    expect(root.textContent).toBe('Sign out');
    await setLocale('de');
    await fixture.whenStable();
    expect(root.textContent).toBe('Abmelden');
    await setLocale('es');
    await fixture.whenStable();
    expect(root.textContent).toBe('Cerrar sesión');
  });
});

describe('LocaleSync', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
  });
  afterEach(async () => {
    await setLocale('en');
    setTimeZone(null);
  });

  it('follows the account’s locale and time zone, and the browser’s language once signed out', async () => {
    const session = TestBed.inject(Session);
    session.start(tokens(fakeJwt('ada'), 'r1', { ...ADA, locale: 'es', time_zone: 'Asia/Tokyo' }));
    await TestBed.inject(LocaleSync).start();
    expect(locale()).toBe('es');
    expect(timeZone()).toBe('Asia/Tokyo');

    session.setUser({ ...ADA, locale: 'de', time_zone: null });
    TestBed.tick();
    await vi.waitFor(() => expect(locale()).toBe('de'));
    expect(timeZone()).toBeUndefined();

    session.clear(); // jsdom's navigator speaks en-US
    TestBed.tick();
    await vi.waitFor(() => expect(locale()).toBe('en'));
  });

  it('sends the language shown as Accept-Language to the API only', async () => {
    TestBed.resetTestingModule();
    TestBed.configureTestingModule({
      providers: [provideHttpClient(withInterceptors([localeInterceptor])), provideHttpClientTesting()],
    });
    await setLocale('de');
    const http = TestBed.inject(HttpClient);
    const backend = TestBed.inject(HttpTestingController);
    http.get('/api/v1/me').subscribe();
    http.get('/avatars/ada.svg').subscribe();
    expect(backend.expectOne('/api/v1/me').request.headers.get('Accept-Language')).toBe('de');
    expect(backend.expectOne('/avatars/ada.svg').request.headers.has('Accept-Language')).toBe(false);
  });
});
