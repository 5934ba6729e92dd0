/**
 * Who the signed-in person keeps away: the people they blocked and muted.
 *
 * The API's profile does not say whether you blocked or muted someone, so the lists
 * (GET /me/blocks, /me/mutes) are read once per sign-in, when a screen needs them (a profile's
 * Block and Mute buttons, a post's menu), and kept up to date by the toggles here. `recent`
 * holds what was changed in this app since it loaded: lists fold those people's posts at once,
 * before the server leaves them out of the next page.
 */
import { Injectable, computed, effect, inject, signal } from '@angular/core';
import { EMPTY, Observable, expand, finalize, forkJoin, map, of, reduce, shareReplay, take, tap } from 'rxjs';
import { SafetyService } from '../data/services';
import { Page, UserSummary } from './models';
import { Session } from './session';

export type KeptAway = 'blocked' | 'muted';

/** At most this many pages of 100 people each are read per list (a runaway cursor stops here). */
const MAX_PAGES = 50;

interface Lists {
  blocked: ReadonlySet<string>;
  muted: ReadonlySet<string>;
}

const key = (username: string) => username.toLowerCase();

function everyone(fetch: (cursor: string | null) => Observable<Page<UserSummary>>): Observable<Set<string>> {
  return fetch(null).pipe(
    expand((page) => (page.next_cursor ? fetch(page.next_cursor) : EMPTY)),
    take(MAX_PAGES),
    reduce((names, page) => {
      for (const u of page.items) names.add(key(u.username));
      return names;
    }, new Set<string>()),
  );
}

@Injectable({ providedIn: 'root' })
export class SafetyState {
  private readonly api = inject(SafetyService);
  private readonly session = inject(Session);

  private readonly lists = signal<Lists | null>(null);
  private loading$: Observable<void> | null = null;
  /** Blocked or muted from this app since it loaded, by username (lower case). */
  readonly recent = signal<ReadonlyMap<string, KeptAway>>(new Map());
  /** Whether the lists were read (the toggles can tell "Block" from "Unblock"). */
  readonly loaded = computed(() => this.lists() !== null);

  constructor() {
    // Another person signing in (or signing out) starts from nothing.
    let owner = this.session.user()?.username ?? null;
    effect(() => {
      const now = this.session.user()?.username ?? null;
      if (now === owner) return;
      owner = now;
      this.lists.set(null);
      this.loading$ = null;
      this.recent.set(new Map());
    });
  }

  /** Read who you blocked and muted (every page), once per sign-in; later calls share it. */
  load(): Observable<void> {
    if (this.lists()) return of(undefined);
    this.loading$ ??= forkJoin({
      blocked: everyone((cursor) => this.api.blocked({ cursor, limit: 100 })),
      muted: everyone((cursor) => this.api.muted({ cursor, limit: 100 })),
    }).pipe(
      tap((lists) => this.lists.set(lists)),
      map(() => undefined),
      finalize(() => (this.loading$ = null)),
      shareReplay({ bufferSize: 1, refCount: false }),
    );
    return this.loading$;
  }

  blocking(username: string): boolean {
    return this.lists()?.blocked.has(key(username)) ?? false;
  }

  muting(username: string): boolean {
    return this.lists()?.muted.has(key(username)) ?? false;
  }

  /** Why this person's posts fold in lists right now (kept away from this app), if they do. */
  folded(username: string): KeptAway | null {
    return this.recent().get(key(username)) ?? null;
  }

  block(username: string): Observable<void> {
    return this.api.block(username).pipe(tap(() => this.set('blocked', username, true)));
  }

  unblock(username: string): Observable<void> {
    return this.api.unblock(username).pipe(tap(() => this.set('blocked', username, false)));
  }

  mute(username: string): Observable<void> {
    return this.api.mute(username).pipe(tap(() => this.set('muted', username, true)));
  }

  unmute(username: string): Observable<void> {
    return this.api.unmute(username).pipe(tap(() => this.set('muted', username, false)));
  }

  private set(kind: KeptAway, username: string, on: boolean): void {
    const name = key(username);
    const lists = this.lists();
    if (lists) {
      const next = new Set(lists[kind]);
      if (on) next.add(name);
      else next.delete(name);
      this.lists.set({ ...lists, [kind]: next });
    }
    const recent = new Map(this.recent());
    const other: KeptAway = kind === 'blocked' ? 'muted' : 'blocked';
    if (on) recent.set(name, recent.get(name) === 'blocked' ? 'blocked' : kind);
    else if (recent.get(name) === kind && (this.lists()?.[other].has(name) ?? false)) recent.set(name, other);
    else if (recent.get(name) === kind) recent.delete(name);
    this.recent.set(recent);
  }
}
