/**
 * Adds `Authorization: Bearer <access token>` to API requests and, when one comes back 401
 * while it carried a token, asks TokenRefresher for a fresh token (one refresh for every request
 * waiting at that moment) and retries the request once with it.
 */
import { HttpErrorResponse, HttpInterceptorFn, HttpRequest } from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, switchMap, throwError } from 'rxjs';
import { API_BASE } from './config';
import { Session } from './session';
import { TokenRefresher } from './token-refresher';

/** Routes that must never carry a bearer token nor trigger a refresh. */
const AUTH_ROUTES = /\/auth\/(login|login\/2fa|register|refresh|logout|passkey)$/;

function withBearer(req: HttpRequest<unknown>, token: string): HttpRequest<unknown> {
  return req.clone({ setHeaders: { Authorization: `Bearer ${token}` } });
}

export const authInterceptor: HttpInterceptorFn = (req, next) => {
  const base = inject(API_BASE);
  if (!req.url.startsWith(base) || AUTH_ROUTES.test(req.url)) return next(req);

  const session = inject(Session);
  const refresher = inject(TokenRefresher);
  const token = session.accessToken();
  if (!token) return next(req);

  return next(withBearer(req, token)).pipe(
    catchError((error: unknown) => {
      if (!(error instanceof HttpErrorResponse) || error.status !== 401) return throwError(() => error);
      return refresher.refresh(token).pipe(
        catchError(() => throwError(() => error)),
        switchMap((fresh) => next(withBearer(req, fresh))),
      );
    }),
  );
};
