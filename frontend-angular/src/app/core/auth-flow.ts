import { Injectable, inject } from '@angular/core';
import { Router } from '@angular/router';
import { Observable, tap } from 'rxjs';
import { AuthService } from '../data/services';
import { Announcer } from './announcer';
import { TokenResponse } from './models';
import { Session } from './session';
import { t } from '../i18n';

/** Sign in, register, sign out: the service calls plus what the session and router do with them. */
@Injectable({ providedIn: 'root' })
export class AuthFlow {
  private readonly auth = inject(AuthService);
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  private readonly announcer = inject(Announcer);

  login(login: string, password: string): Observable<TokenResponse> {
    return this.auth.login(login, password).pipe(tap((tokens) => this.session.start(tokens)));
  }

  /** Finish a sign-in that answered `mfa_required`, with its token and a code. */
  loginSecondFactor(mfaToken: string, code: string): Observable<TokenResponse> {
    return this.auth.loginSecondFactor(mfaToken, code).pipe(tap((tokens) => this.session.start(tokens)));
  }

  register(username: string, email: string, password: string): Observable<TokenResponse> {
    return this.auth.register(username, email, password).pipe(tap((tokens) => this.session.start(tokens)));
  }

  /** Revoke the refresh token's family on the server (best effort) and forget the session here. */
  logout(): void {
    const refreshToken = this.session.refreshToken();
    this.session.clear();
    if (refreshToken) this.auth.logout(refreshToken).subscribe({ error: () => undefined });
    this.announcer.announce(t('auth.signedOut'));
    void this.router.navigateByUrl('/');
  }

  /**
   * End every session of this account: other devices and tabs (their refresh fails) and their live
   * sockets (closed by the server), then this one.
   */
  logoutEverywhere(): Observable<void> {
    return this.auth.logoutAll().pipe(
      tap(() => {
        this.session.clear();
        this.announcer.announce(t('auth.signedOutEverywhere'));
        void this.router.navigateByUrl('/login');
      }),
    );
  }

  /** Re-read the private user (after a reload) so the name, role and settings are current. */
  reloadUser(): void {
    if (!this.session.signedIn()) return;
    this.auth.me().subscribe({ next: (user) => this.session.setUser(user), error: () => undefined });
  }
}
