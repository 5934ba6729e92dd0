/**
 * Single-flight token refresh. Every caller that saw its access token rejected (the HTTP
 * interceptor, the WebSocket before reconnecting) asks here; while one POST /auth/refresh is in
 * flight every other caller shares it, so the refresh token is spent exactly once. The server
 * treats a second use of a refresh token as theft and revokes the whole family.
 *
 * Across tabs the same holds with the Web Locks API where the browser has it: the refresh runs
 * under a lock, and a tab that gets the lock after another tab refreshed adopts the pair that tab
 * stored instead of spending its own (now used) refresh token.
 */
import { Injectable, inject } from '@angular/core';
import { Router } from '@angular/router';
import {
  Observable,
  catchError,
  defer,
  finalize,
  firstValueFrom,
  from,
  map,
  of,
  shareReplay,
  tap,
  throwError,
} from 'rxjs';
import { AuthService } from '../data/services';
import { Session } from './session';
import { t } from '../i18n';

const LOCK_NAME = 'devthread-token-refresh';

@Injectable({ providedIn: 'root' })
export class TokenRefresher {
  private readonly session = inject(Session);
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  private inFlight: Observable<string> | null = null;

  /**
   * Get a fresh access token. `rejected` is the token the caller saw refused: when the session
   * already holds another one (someone refreshed meanwhile), that one is returned without a request.
   * If the refresh fails the session ends and the app goes to the login page.
   */
  refresh(rejected: string | null): Observable<string> {
    const current = this.session.accessToken();
    if (current && rejected && current !== rejected) return of(current);
    if (this.inFlight) return this.inFlight;

    const flight: Observable<string> = this.underLock(() => this.spendRefreshToken()).pipe(
      catchError((error: unknown) => {
        this.endSession();
        return throwError(() => error);
      }),
      finalize(() => {
        if (this.inFlight === flight) this.inFlight = null;
      }),
      shareReplay({ bufferSize: 1, refCount: false }),
    );
    this.inFlight = flight;
    return flight;
  }

  /** True while a refresh request is in flight (for tests and diagnostics). */
  get refreshing(): boolean {
    return this.inFlight !== null;
  }

  private spendRefreshToken(): Observable<string> {
    return defer(() => {
      if (this.session.adoptNewerFromStorage()) {
        const adopted = this.session.accessToken();
        if (adopted) return of(adopted);
      }
      const refreshToken = this.session.refreshToken();
      if (!refreshToken) return throwError(() => new Error(t('errors.notSignedIn')));
      return this.auth.refresh(refreshToken).pipe(
        tap((tokens) => this.session.start(tokens)),
        map((tokens) => tokens.access_token),
      );
    });
  }

  private underLock(work: () => Observable<string>): Observable<string> {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (!locks?.request) return work();
    // The callback's promise is awaited by the lock manager; its value is the token.
    return defer(() => from(locks.request(LOCK_NAME, () => firstValueFrom(work())) as Promise<unknown> as Promise<string>));
  }

  private endSession(): void {
    const returnUrl = this.router.url;
    this.session.clear();
    void this.router.navigate(['/login'], {
      queryParams: { expired: 1, returnUrl: returnUrl.startsWith('/login') ? null : returnUrl },
    });
  }
}
