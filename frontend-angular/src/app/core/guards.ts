import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { Session } from './session';

/** Signed-in pages: otherwise to the login page, coming back afterwards. */
export const authGuard: CanActivateFn = (_route, state) => {
  if (inject(Session).signedIn()) return true;
  return inject(Router).createUrlTree(['/login'], { queryParams: { returnUrl: state.url } });
};

/** Login and register: a signed-in user goes home instead. */
export const guestGuard: CanActivateFn = () => {
  if (!inject(Session).signedIn()) return true;
  return inject(Router).createUrlTree(['/']);
};
