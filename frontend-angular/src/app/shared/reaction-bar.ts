/**
 * The five reactions of a post. Toggling is optimistic: the count and the pressed state change at
 * once, the request follows, the server's answer is adopted, and an error rolls the change back.
 */
import { ChangeDetectionStrategy, Component, computed, inject, input, linkedSignal, signal } from '@angular/core';
import { Router } from '@angular/router';
import { Announcer } from '../core/announcer';
import { toApiError } from '../core/errors';
import { Post, REACTION_KINDS, ReactionCounts, ReactionKind, ReactionState } from '../core/models';
import { Session } from '../core/session';
import { PostService } from '../data/services';
import { TKey, TPipe, t, tKey } from '../i18n';

export const REACTION_LABELS: Record<ReactionKind, { emoji: string; label: TKey }> = {
  like: { emoji: '👍', label: tKey('reactions.like') },
  love: { emoji: '❤️', label: tKey('reactions.love') },
  laugh: { emoji: '😄', label: tKey('reactions.laugh') },
  insightful: { emoji: '💡', label: tKey('reactions.insightful') },
  celebrate: { emoji: '🎉', label: tKey('reactions.celebrate') },
};

/** The state after toggling `kind` on or off, computed locally (the optimistic guess). */
export function toggledState(state: ReactionState, kind: ReactionKind, on: boolean): ReactionState {
  const count = state.reactions[kind];
  const reactions: ReactionCounts = { ...state.reactions, [kind]: Math.max(0, count + (on ? 1 : -1)) };
  const my_reactions = on
    ? [...new Set([...state.my_reactions, kind])]
    : state.my_reactions.filter((k) => k !== kind);
  return { reactions, my_reactions };
}

@Component({
  selector: 'app-reaction-bar',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [TPipe],
  template: `
    <div class="reactions" role="group" [attr.aria-label]="'reactions.group' | t: { name: post().author.display_name }">
      @for (kind of kinds; track kind) {
        <button
          type="button"
          class="reaction"
          [class.active]="isMine(kind)"
          [attr.aria-pressed]="isMine(kind)"
          [attr.aria-disabled]="pending().has(kind) || null"
          [attr.aria-label]="'reactions.button' | t: { label: (labels[kind].label | t), count: count(kind) }"
          [title]="labels[kind].label | t"
          (click)="toggle(kind)"
        >
          <span aria-hidden="true">{{ labels[kind].emoji }}</span>
          <span class="count" aria-hidden="true">{{ count(kind) }}</span>
        </button>
      }
    </div>
    @if (error()) {
      <p class="field-error" role="alert">{{ error() }}</p>
    }
  `,
})
export class ReactionBar {
  private readonly posts = inject(PostService);
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  private readonly announcer = inject(Announcer);

  readonly post = input.required<Post>();
  readonly kinds = REACTION_KINDS;
  readonly labels = REACTION_LABELS;
  readonly state = linkedSignal<ReactionState>(() => ({
    reactions: this.post().reactions,
    my_reactions: this.post().my_reactions,
  }));
  readonly pending = signal<ReadonlySet<ReactionKind>>(new Set());
  readonly error = signal<string | null>(null);
  private readonly mine = computed(() => new Set(this.state().my_reactions));

  isMine(kind: ReactionKind): boolean {
    return this.mine().has(kind);
  }

  count(kind: ReactionKind): number {
    return this.state().reactions[kind];
  }

  toggle(kind: ReactionKind): void {
    if (!this.session.signedIn()) {
      void this.router.navigate(['/login'], { queryParams: { returnUrl: this.router.url } });
      return;
    }
    if (this.pending().has(kind)) return;
    const before = this.state();
    const on = !this.isMine(kind);
    this.state.set(toggledState(before, kind, on));
    this.error.set(null);
    this.setPending(kind, true);
    const id = this.post().id;
    const request = on ? this.posts.react(id, kind) : this.posts.unreact(id, kind);
    request.subscribe({
      next: (server) => {
        this.state.set(server);
        this.setPending(kind, false);
      },
      error: (err: unknown) => {
        // Roll back only this kind: other toggles may have succeeded meanwhile.
        const now = this.state();
        const wasOn = before.my_reactions.includes(kind);
        this.state.set({
          reactions: { ...now.reactions, [kind]: before.reactions[kind] },
          my_reactions: wasOn ? [...new Set([...now.my_reactions, kind])] : now.my_reactions.filter((k) => k !== kind),
        });
        this.setPending(kind, false);
        const message = t('reactions.failed', { message: toApiError(err).message });
        this.error.set(message);
        this.announcer.announce(message);
      },
    });
  }

  private setPending(kind: ReactionKind, on: boolean): void {
    const next = new Set(this.pending());
    if (on) next.add(kind);
    else next.delete(kind);
    this.pending.set(next);
  }
}
