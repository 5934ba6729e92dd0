/**
 * The people you blocked, or the people you muted (GET /me/blocks, /me/mutes), most recent
 * first, with Unblock / Unmute on each row. A row stays after undoing, its button turned back
 * into Block / Mute, so a slip can be put right at once.
 */
import { ChangeDetectionStrategy, Component, DestroyRef, effect, inject, input, signal, untracked } from '@angular/core';
import { RouterLink } from '@angular/router';
import { Observable } from 'rxjs';
import { Announcer } from '../../core/announcer';
import { toApiError } from '../../core/errors';
import { UserSummary } from '../../core/models';
import { KeptAway, SafetyState } from '../../core/safety-state';
import { SafetyService } from '../../data/services';
import { Avatar } from '../../shared/avatar';
import { Pager } from '../../shared/pager';
import { blockQuestion } from '../../shared/safety-menu';
import { StateMessage } from '../../shared/states';
import { TKey, TPipe, t, tKey } from '../../i18n';

const WORDS: Record<KeptAway, Record<'title' | 'about' | 'loading' | 'empty' | 'undo' | 'redo', TKey>> = {
  blocked: {
    title: tKey('keptAway.blocked.title'),
    about: tKey('keptAway.blocked.about'),
    loading: tKey('keptAway.blocked.loading'),
    empty: tKey('keptAway.blocked.empty'),
    undo: tKey('safety.unblock'),
    redo: tKey('safety.block'),
  },
  muted: {
    title: tKey('keptAway.muted.title'),
    about: tKey('keptAway.muted.about'),
    loading: tKey('keptAway.muted.loading'),
    empty: tKey('keptAway.muted.empty'),
    undo: tKey('safety.unmute'),
    redo: tKey('safety.mute'),
  },
};

@Component({
  selector: 'app-kept-away-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, Avatar, StateMessage, TPipe],
  template: `
    <section class="card form" [attr.aria-labelledby]="kind() + '-title'">
      <h2 [id]="kind() + '-title'">{{ words().title | t }}</h2>
      <p class="muted">{{ words().about | t }}</p>
      <ul class="user-list kept-away" [attr.aria-labelledby]="kind() + '-title'">
        @for (u of pager.items(); track u.username) {
          <li class="row between kept-away-row">
            <a [routerLink]="['/u', u.username]" class="user-row">
              <app-avatar [user]="u" [size]="36" />
              <span class="author-names">
                <span class="display-name">{{ u.display_name }}</span>
                <span class="username">&#64;{{ u.username }}</span>
              </span>
            </a>
            <button type="button" class="btn btn-small" [attr.aria-pressed]="isOn(u)" [attr.aria-disabled]="busy() === u.username || null" (click)="toggle(u)">
              {{ (isOn(u) ? words().undo : words().redo) | t }}<span class="visually-hidden"> &#64;{{ u.username }}</span>
            </button>
          </li>
        }
      </ul>
      @if (pager.loading()) {
        <app-state kind="loading" [text]="words().loading | t" />
      } @else if (pager.error()) {
        <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
      } @else if (pager.empty()) {
        <app-state kind="empty" [text]="words().empty | t" />
      } @else if (!pager.done()) {
        <div class="row center"><button type="button" class="btn" (click)="pager.loadMore()">{{ 'states.loadMore' | t }}</button></div>
      }
      @if (error()) {
        <p class="form-error" role="alert">{{ error() }}</p>
      }
    </section>
  `,
})
export class KeptAwayList {
  private readonly api = inject(SafetyService);
  private readonly safety = inject(SafetyState);
  private readonly announcer = inject(Announcer);

  readonly kind = input.required<KeptAway>();
  readonly pager = new Pager<UserSummary>(
    (cursor) => (this.kind() === 'blocked' ? this.api.blocked({ cursor }) : this.api.muted({ cursor })),
    (u) => u.username,
  );
  /** Rows undone here (the list still shows them, with the button to do it again). */
  private readonly undone = signal<ReadonlySet<string>>(new Set());
  readonly busy = signal<string | null>(null);
  readonly error = signal<string | null>(null);

  constructor() {
    effect(() => {
      this.kind();
      untracked(() => this.pager.reset());
    });
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }

  words() {
    return WORDS[this.kind()];
  }

  isOn(u: UserSummary): boolean {
    return !this.undone().has(u.username);
  }

  toggle(u: UserSummary): void {
    if (this.busy()) return;
    const on = !this.isOn(u);
    const blocked = this.kind() === 'blocked';
    if (on && blocked && !globalThis.confirm?.(blockQuestion(u.username))) return;
    const action: Observable<void> = blocked
      ? on ? this.safety.block(u.username) : this.safety.unblock(u.username)
      : on ? this.safety.mute(u.username) : this.safety.unmute(u.username);
    this.busy.set(u.username);
    this.error.set(null);
    action.subscribe({
      next: () => {
        this.busy.set(null);
        const next = new Set(this.undone());
        if (on) next.delete(u.username);
        else next.add(u.username);
        this.undone.set(next);
        const done = on ? (blocked ? tKey('safety.blocked') : tKey('safety.muted')) : blocked ? tKey('safety.unblocked') : tKey('safety.unmuted');
        this.announcer.announce(t(done, { username: u.username }));
      },
      error: (err: unknown) => {
        this.busy.set(null);
        this.error.set(toApiError(err).message);
      },
    });
  }
}
