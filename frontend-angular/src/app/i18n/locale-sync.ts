import { HttpInterceptorFn } from '@angular/common/http';
import { Injectable, Injector, effect, inject } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { RouterStateSnapshot, TitleStrategy } from '@angular/router';
import { API_BASE } from '../core/config';
import { Session } from '../core/session';
import { Lang, TKey, locale, pickLocale, setLocale, setTimeZone, t } from './i18n';

/** The browser's languages, most wanted first. */
function browserLanguages(): readonly string[] {
  const nav = globalThis.navigator;
  return nav?.languages?.length ? nav.languages : nav?.language ? [nav.language] : [];
}

/**
 * Follow the signed-in account's `locale` and `time_zone` (GET /me, PATCH /me); without an
 * account choice, the browser's languages.
 */
@Injectable({ providedIn: 'root' })
export class LocaleSync {
  private readonly session = inject(Session);
  private readonly injector = inject(Injector);
  private started = false;

  /** The language the session asks for now. */
  wanted(): Lang {
    return pickLocale(this.session.user()?.locale, browserLanguages());
  }

  /** Load the first language before the app shows anything, then follow the session. */
  start(): Promise<void> {
    const first = setLocale(this.wanted());
    setTimeZone(this.session.user()?.time_zone);
    if (!this.started) {
      this.started = true;
      effect(() => void setLocale(this.wanted()), { injector: this.injector });
      effect(() => setTimeZone(this.session.user()?.time_zone), { injector: this.injector });
    }
    return first;
  }
}

/** Route titles are keys (`title: tKey('titles.search')`), shown as "Search · DevThread". */
@Injectable()
export class I18nTitleStrategy extends TitleStrategy {
  private readonly title = inject(Title);
  private lastKey: string | undefined;
  private lastTitle = '';

  constructor() {
    super();
    // A change of language re-titles the page, unless the page set a title of its own since.
    effect(() => {
      locale();
      if (this.lastKey !== undefined && this.title.getTitle() === this.lastTitle) this.set(this.lastKey);
    });
  }

  override updateTitle(snapshot: RouterStateSnapshot): void {
    this.set(this.buildTitle(snapshot) ?? '');
  }

  private set(key: string): void {
    this.lastKey = key;
    this.lastTitle = key ? pageTitle(t(key as TKey)) : 'DevThread';
    this.title.setTitle(this.lastTitle);
  }
}

/** "Search · DevThread". */
export function pageTitle(name: string): string {
  return `${name} · DevThread`;
}

/** Ask the API to answer (error messages) in the language shown. */
export const localeInterceptor: HttpInterceptorFn = (req, next) => {
  if (!req.url.startsWith(inject(API_BASE)) || req.headers.has('Accept-Language')) return next(req);
  return next(req.clone({ setHeaders: { 'Accept-Language': locale() } }));
};
