/**
 * Links inside server-rendered HTML (`body_html`): the server links hashtags and mentions to the
 * contract's page addresses (`/tags/rust`, `/u/ada`), which are the classic pages. A plain click on
 * one of those stays in the SPA, whose routes mirror them under its base href (`/app/tags/rust`).
 * Other links, and clicks meant for a new tab or window, are left to the browser.
 */
import { DOCUMENT } from '@angular/common';
import { Directive, inject } from '@angular/core';
import { Router } from '@angular/router';

/** The page addresses the SPA has a screen for. */
const SPA_PATH =
  /^\/(?:latest|trending|bookmarks|notifications|settings|search|p\/\d+|u\/[^/]+(?:\/(?:followers|following))?|tags\/[^/]+|messages(?:\/\d+)?)?\/?$/;

/**
 * The router address for a link, or null when the SPA has no screen for it: another origin, or a
 * page such as `/login` or `/admin`. `baseUri` is the document's (`https://host/app/`): relative
 * links resolve against it, and a link already under the SPA's base path is followed too.
 */
export function inAppUrl(href: string, baseUri: string): string | null {
  let base: URL;
  let url: URL;
  try {
    base = new URL(baseUri);
    url = new URL(href, base);
  } catch {
    return null;
  }
  if (url.origin !== base.origin) return null;
  const appBase = base.pathname.replace(/\/$/, '');
  let path = url.pathname;
  if (appBase && (path === appBase || path.startsWith(`${appBase}/`))) path = path.slice(appBase.length) || '/';
  if (!SPA_PATH.test(path)) return null;
  return path + url.search + url.hash;
}

@Directive({
  selector: '[appInternalLinks]',
  host: { '(click)': 'follow($event)' },
})
export class InternalLinks {
  private readonly router = inject(Router);
  private readonly document = inject(DOCUMENT);

  follow(event: MouseEvent): void {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
    if (!anchor || (anchor.target && anchor.target !== '_self') || anchor.hasAttribute('download')) return;
    const target = inAppUrl(anchor.getAttribute('href') ?? '', this.document.baseURI);
    if (target === null) return;
    event.preventDefault();
    void this.router.navigateByUrl(target);
  }
}
