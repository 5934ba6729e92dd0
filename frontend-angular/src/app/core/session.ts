/**
 * The signed-in session: tokens and the private user, in signals, kept in localStorage so a
 * reload keeps you signed in. Other tabs share it through the `storage` event, so a refresh done
 * in one tab is adopted by the others instead of being repeated (which the server would see as
 * refresh-token reuse and answer by revoking the whole family).
 */
import { Injectable, computed, signal } from '@angular/core';
import { BehaviorSubject, distinctUntilChanged, map } from 'rxjs';
import { PrivateUser, TokenResponse } from './models';

export const STORAGE_KEY = 'devthread.session';

export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  user: PrivateUser | null;
}

function readStorage(): StoredSession | null {
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<StoredSession>;
    if (typeof parsed.accessToken !== 'string' || typeof parsed.refreshToken !== 'string') return null;
    return { accessToken: parsed.accessToken, refreshToken: parsed.refreshToken, user: parsed.user ?? null };
  } catch {
    return null;
  }
}

/** Seconds since the epoch at which a JWT expires, or null when it cannot be read. */
export function jwtExpiry(token: string): number | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

@Injectable({ providedIn: 'root' })
export class Session {
  private readonly state = signal<StoredSession | null>(readStorage());
  /** The same state as an observable, for RxJS consumers (the socket). */
  private readonly state$ = new BehaviorSubject<StoredSession | null>(this.state());

  readonly user = computed(() => this.state()?.user ?? null);
  readonly accessToken = computed(() => this.state()?.accessToken ?? null);
  readonly refreshToken = computed(() => this.state()?.refreshToken ?? null);
  readonly signedIn = computed(() => this.state() !== null);
  readonly isModerator = computed(() => ['admin', 'moderator'].includes(this.user()?.role ?? ''));

  readonly accessToken$ = this.state$.pipe(
    map((s) => s?.accessToken ?? null),
    distinctUntilChanged(),
  );

  constructor() {
    globalThis.addEventListener?.('storage', (event: StorageEvent) => {
      if (event.key === STORAGE_KEY || event.key === null) this.set(readStorage(), false);
    });
  }

  /** Adopt a token response (login, register, refresh). */
  start(tokens: TokenResponse): void {
    this.set({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token, user: tokens.user });
  }

  setUser(user: PrivateUser): void {
    const current = this.state();
    if (current) this.set({ ...current, user });
  }

  clear(): void {
    this.set(null);
  }

  /**
   * Re-read localStorage (another tab may have refreshed). Returns true when it held a newer
   * pair than this tab had, which is then adopted.
   */
  adoptNewerFromStorage(): boolean {
    const stored = readStorage();
    const mine = this.state();
    if (stored && stored.refreshToken !== mine?.refreshToken) {
      this.set(stored, false);
      return true;
    }
    return false;
  }

  private set(next: StoredSession | null, persist = true): void {
    this.state.set(next);
    this.state$.next(next);
    if (!persist) return;
    try {
      if (next) globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(next));
      else globalThis.localStorage?.removeItem(STORAGE_KEY);
    } catch {
      /* storage full or disabled: the session still lives in memory */
    }
  }
}
