import { ChangeDetectionStrategy, Component, ElementRef, inject, viewChild } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { NavigationEnd, Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { filter, skip } from 'rxjs';
import { Announcer } from './core/announcer';
import { AuthFlow } from './core/auth-flow';
import { LiveState } from './core/live-state';
import { Session } from './core/session';
import { DATA_MODE } from './data/providers';
import { Shortcuts } from './shared/shortcuts';
import { TPipe } from './i18n';

@Component({
  selector: 'app-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterOutlet, RouterLink, RouterLinkActive, Shortcuts, TPipe],
  template: `
    <a class="skip-link" href="#main" (click)="focusMain($event)">{{ 'nav.skip' | t }}</a>
    <header class="topbar">
      <nav class="nav" [attr.aria-label]="'nav.main' | t">
        <a routerLink="/" class="brand"><span aria-hidden="true">⟨/⟩</span> DevThread</a>
        <form class="nav-search" role="search" [attr.aria-label]="'nav.quickSearch' | t" (submit)="search($event, q.value)">
          <label for="nav-q" class="visually-hidden">{{ 'nav.searchLabel' | t }}</label>
          <input #q id="nav-q" name="q" type="search" [placeholder]="'nav.searchPlaceholder' | t" autocomplete="off" />
        </form>
        <ul class="nav-links">
          @if (session.signedIn()) {
            <li><a routerLink="/bookmarks" routerLinkActive="current" ariaCurrentWhenActive="page">{{ 'nav.bookmarks' | t }}</a></li>
            <li><a routerLink="/drafts" routerLinkActive="current" ariaCurrentWhenActive="page">{{ 'nav.drafts' | t }}</a></li>
            <li>
              <a routerLink="/notifications" routerLinkActive="current" ariaCurrentWhenActive="page">
                {{ 'nav.notifications' | t }}
                @if (live.unreadNotifications() > 0) {
                  <span class="badge"><span class="visually-hidden">, </span>{{ live.unreadNotifications() }}<span class="visually-hidden"> {{ 'nav.unread' | t }}</span></span>
                }
              </a>
            </li>
            <li>
              <a routerLink="/messages" routerLinkActive="current" ariaCurrentWhenActive="page">
                {{ 'nav.messages' | t }}
                @if (live.unreadMessages() > 0) {
                  <span class="badge"><span class="visually-hidden">, </span>{{ live.unreadMessages() }}<span class="visually-hidden"> {{ 'nav.unread' | t }}</span></span>
                }
              </a>
            </li>
            <li><a [routerLink]="['/u', session.user()?.username]" routerLinkActive="current" ariaCurrentWhenActive="page">{{ 'nav.profile' | t }}</a></li>
            <li><a routerLink="/settings" routerLinkActive="current" ariaCurrentWhenActive="page">{{ 'nav.settings' | t }}</a></li>
            <li><button type="button" class="linklike" (click)="auth.logout()">{{ 'nav.signOut' | t }}</button></li>
          } @else {
            <li><a routerLink="/login" routerLinkActive="current" ariaCurrentWhenActive="page">{{ 'nav.signIn' | t }}</a></li>
            <li><a routerLink="/register" class="btn btn-primary btn-small">{{ 'nav.register' | t }}</a></li>
          }
        </ul>
      </nav>
      @if (session.signedIn() && live.connection() === 'reconnecting') {
        <p class="connection" role="status">{{ 'nav.reconnecting' | t }}</p>
      }
      @if (mockMode) {
        <p class="mock-banner">{{ 'nav.mockBanner' | t: { username: 'ada', password: 'devthread-demo' } }}</p>
      }
    </header>
    <main id="main" tabindex="-1" #main>
      <router-outlet />
    </main>
    <div class="visually-hidden" aria-live="polite" aria-atomic="true">{{ announcer.message() }}</div>
    <app-shortcuts />
  `,
})
export class App {
  readonly session = inject(Session);
  readonly live = inject(LiveState);
  readonly auth = inject(AuthFlow);
  readonly announcer = inject(Announcer);
  private readonly router = inject(Router);
  private readonly main = viewChild.required<ElementRef<HTMLElement>>('main');
  readonly mockMode = DATA_MODE === 'mock';

  constructor() {
    this.live.start();
    this.auth.reloadUser();
    // After in-app navigation, move focus to the new page so screen readers start there.
    this.router.events
      .pipe(
        filter((e): e is NavigationEnd => e instanceof NavigationEnd),
        skip(1),
        takeUntilDestroyed(),
      )
      .subscribe(() => queueMicrotask(() => this.main().nativeElement.focus({ preventScroll: true })));
  }

  focusMain(event: Event): void {
    event.preventDefault();
    this.main().nativeElement.focus();
  }

  search(event: Event, value: string): void {
    event.preventDefault();
    const q = value.trim();
    if (q) void this.router.navigate(['/search'], { queryParams: { q } });
  }
}
