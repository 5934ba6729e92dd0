import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeJwt, setLocks, tokens } from '../../testing/helpers';
import { HttpAuthService } from '../data/http/http-services';
import { AuthService } from '../data/services';
import { authInterceptor } from './auth.interceptor';
import { STORAGE_KEY, Session } from './session';
import { TokenRefresher } from './token-refresher';

describe('authInterceptor + TokenRefresher', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let session: Session;
  let router: Router;
  const A = fakeJwt('a');
  const B = fakeJwt('b');

  beforeEach(() => {
    localStorage.clear();
    setLocks(undefined);
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        { provide: AuthService, useClass: HttpAuthService },
      ],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    session = TestBed.inject(Session);
    router = TestBed.inject(Router);
    session.start(tokens(A, 'r1'));
  });

  afterEach(() => backend.verify());

  const unauthorized = { status: 401, statusText: 'Unauthorized' };
  const expiredBody = { error: { code: 'unauthorized', message: 'The access token has expired.' } };

  it('adds the bearer token to API calls but not to the auth routes or other origins', () => {
    http.get('/api/v1/me').subscribe();
    http.post('/api/v1/auth/login', {}).subscribe();
    http.get('https://example.com/x').subscribe();
    expect(backend.expectOne('/api/v1/me').request.headers.get('Authorization')).toBe(`Bearer ${A}`);
    expect(backend.expectOne('/api/v1/auth/login').request.headers.has('Authorization')).toBe(false);
    expect(backend.expectOne('https://example.com/x').request.headers.has('Authorization')).toBe(false);
  });

  it('sends the second sign-in steps (a code, a passkey) without a token, and never refreshes on their 401', () => {
    let failed = 0;
    http.post('/api/v1/auth/login/2fa', {}).subscribe({ error: () => failed++ });
    http.post('/api/v1/auth/passkey', {}).subscribe({ error: () => failed++ });
    for (const url of ['/api/v1/auth/login/2fa', '/api/v1/auth/passkey']) {
      const request = backend.expectOne(url);
      expect(request.request.headers.has('Authorization')).toBe(false);
      request.flush(expiredBody, unauthorized);
    }
    backend.expectNone('/api/v1/auth/refresh');
    expect(failed).toBe(2);
  });

  it('refreshes once for several concurrent 401s and retries every request with the new token', () => {
    const results: unknown[] = [];
    for (const path of ['a', 'b', 'c']) http.get(`/api/v1/${path}`).subscribe((r) => results.push(r));

    for (const path of ['a', 'b', 'c']) backend.expectOne(`/api/v1/${path}`).flush(expiredBody, unauthorized);

    const refreshes = backend.match('/api/v1/auth/refresh');
    expect(refreshes.length).toBe(1);
    expect(refreshes[0].request.body).toEqual({ refresh_token: 'r1' });
    refreshes[0].flush(tokens(B, 'r2'));

    for (const path of ['a', 'b', 'c']) {
      const retry = backend.expectOne(`/api/v1/${path}`);
      expect(retry.request.headers.get('Authorization')).toBe(`Bearer ${B}`);
      retry.flush({ ok: path });
    }
    expect(results).toEqual([{ ok: 'a' }, { ok: 'b' }, { ok: 'c' }]);
    expect(session.accessToken()).toBe(B);
    expect(JSON.parse(localStorage.getItem(STORAGE_KEY)!).refreshToken).toBe('r2');
    backend.expectNone('/api/v1/auth/refresh');
  });

  it('does not refresh again for a late 401 of a request sent before the refresh finished', () => {
    http.get('/api/v1/early').subscribe();
    http.get('/api/v1/late').subscribe();
    backend.expectOne('/api/v1/early').flush(expiredBody, unauthorized);
    backend.expectOne('/api/v1/auth/refresh').flush(tokens(B, 'r2'));
    backend.expectOne('/api/v1/early').flush({});
    // The second request was sent with A; its 401 comes after the pair changed.
    backend.expectOne('/api/v1/late').flush(expiredBody, unauthorized);
    backend.expectNone('/api/v1/auth/refresh');
    expect(backend.expectOne('/api/v1/late').request.headers.get('Authorization')).toBe(`Bearer ${B}`);
  });

  it('retries only once: a second 401 is returned to the caller', async () => {
    const result = firstValueFrom(http.get('/api/v1/x')).catch((e: { status: number }) => e.status);
    backend.expectOne('/api/v1/x').flush(expiredBody, unauthorized);
    backend.expectOne('/api/v1/auth/refresh').flush(tokens(B, 'r2'));
    backend.expectOne('/api/v1/x').flush(expiredBody, unauthorized);
    expect(await result).toBe(401);
    backend.expectNone('/api/v1/auth/refresh');
  });

  it('signs out and goes to the login page when the refresh fails; every waiting request fails', async () => {
    const navigate = vi.spyOn(router, 'navigate').mockResolvedValue(true);
    const errors: number[] = [];
    for (const path of ['a', 'b']) http.get(`/api/v1/${path}`).subscribe({ error: (e: { status: number }) => errors.push(e.status) });
    backend.expectOne('/api/v1/a').flush(expiredBody, unauthorized);
    backend.expectOne('/api/v1/b').flush(expiredBody, unauthorized);
    backend
      .expectOne('/api/v1/auth/refresh')
      .flush({ error: { code: 'unauthorized', message: 'The refresh token has expired or was revoked.' } }, unauthorized);

    expect(errors).toEqual([401, 401]);
    expect(session.signedIn()).toBe(false);
    expect(localStorage.getItem(STORAGE_KEY)).toBeNull();
    expect(navigate).toHaveBeenCalledWith(['/login'], expect.objectContaining({ queryParams: expect.objectContaining({ expired: 1 }) }));
    backend.expectNone('/api/v1/auth/refresh');
  });

  it('passes other errors through untouched', () => {
    const statuses: number[] = [];
    http.get('/api/v1/x').subscribe({ error: (e: { status: number }) => statuses.push(e.status) });
    backend.expectOne('/api/v1/x').flush({ error: { code: 'forbidden', message: 'No.' } }, { status: 403, statusText: 'Forbidden' });
    expect(statuses).toEqual([403]);
    backend.expectNone('/api/v1/auth/refresh');
  });

  it('across tabs: under the lock, adopts the pair another tab stored instead of spending a used refresh token', async () => {
    setLocks({ request: (_name: string, cb: () => Promise<unknown>) => cb() });
    // Another tab refreshed meanwhile and stored its new pair.
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ accessToken: B, refreshToken: 'r2', user: null }));
    const token = await firstValueFrom(TestBed.inject(TokenRefresher).refresh(A));
    expect(token).toBe(B);
    backend.expectNone('/api/v1/auth/refresh');
  });
});
