import { ChangeDetectionStrategy, Component, ElementRef, computed, inject, input, linkedSignal, signal, viewChild } from '@angular/core';
import { RouterLink } from '@angular/router';
import { Announcer } from '../core/announcer';
import { toApiError } from '../core/errors';
import { Post } from '../core/models';
import { SafetyState } from '../core/safety-state';
import { Session } from '../core/session';
import { PostService } from '../data/services';
import { Avatar } from './avatar';
import { BookmarkButton } from './bookmark-button';
import { InternalLinks } from './internal-links';
import { ReactionBar } from './reaction-bar';
import { SafetyMenu } from './safety-menu';
import { TimeAgo } from './time';
import { TPipe, t } from '../i18n';

/**
 * A post in a list (or, with `detail`, on its own page). `body_html` is sanitized by the server.
 * In a list, a post whose author you just blocked or muted folds into a note with an Undo.
 */
@Component({
  selector: 'app-post-card',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, Avatar, TimeAgo, ReactionBar, BookmarkButton, InternalLinks, SafetyMenu, TPipe],
  template: `
    @if (folded(); as why) {
      <div class="card post folded" tabindex="-1" #foldNote>
        <p>{{ (why === 'blocked' ? 'safety.foldedBlocked' : 'safety.foldedMuted') | t: { username: post().author.username } }}</p>
        <button type="button" class="btn btn-small" [disabled]="undoing()" (click)="undo(why)">
          {{ (why === 'blocked' ? 'safety.unblock' : 'safety.unmute') | t }}<span class="visually-hidden"> &#64;{{ post().author.username }}</span>
        </button>
        @if (undoError()) {
          <p class="form-error" role="alert">{{ undoError() }}</p>
        }
      </div>
    } @else {
      <article class="card post" [attr.aria-labelledby]="'post-' + post().id + '-by'" [attr.data-post-id]="post().id">
        <header class="post-head">
          <a [routerLink]="['/u', post().author.username]" class="author" [id]="'post-' + post().id + '-by'">
            <app-avatar [user]="post().author" [size]="40" />
            <span class="author-names">
              <span class="display-name">{{ post().author.display_name }}</span>
              <span class="username">&#64;{{ post().author.username }}</span>
            </span>
          </a>
          <a [routerLink]="['/p', post().id]" class="post-time">
            <app-time [iso]="post().created_at" />
          </a>
          @if (post().edited_at && !post().draft) {
            <a [routerLink]="['/p', post().id, 'revisions']" class="muted small">{{ 'common.edited' | t }}<span class="visually-hidden"> {{ 'revisions.seeHistory' | t }}</span></a>
          }
          @if (pinned()) {
            <span class="badge small"><span aria-hidden="true">📌</span> {{ 'pins.pinned' | t }}</span>
          }
        </header>
        <div class="prose" appInternalLinks [innerHTML]="post().body_html"></div>
        @if (post().tags.length) {
          <ul class="tags" [attr.aria-label]="'composer.tags' | t">
            @for (tag of post().tags; track tag) {
              <li><a [routerLink]="['/tags', tag]" class="tag">#{{ tag }}</a></li>
            }
          </ul>
        }
        <footer class="post-foot">
          <app-reaction-bar [post]="post()" />
          <div class="post-actions">
            @if (!detail()) {
              <a [routerLink]="['/p', post().id]" class="btn btn-ghost">
                <span aria-hidden="true">💬</span> {{ post().comments_count }}
                <span class="visually-hidden">{{ 'post.commentsWord' | t: { count: post().comments_count } }}</span>
              </a>
            }
            <app-bookmark-button [post]="post()" />
            @if (ownPost() && !post().draft) {
              <button type="button" class="btn btn-ghost" [disabled]="pinning()" (click)="togglePin()">
                <span aria-hidden="true">📌</span> {{ (pinned() ? 'pins.unpin' : 'pins.pin') | t }}
              </button>
            }
            @if (othersPost()) {
              <app-safety-menu [author]="post().author" targetType="post" [targetId]="post().id"
                [what]="'safety.whatPost' | t: { username: post().author.username }" (keptAway)="keptAway()" />
            }
          </div>
        </footer>
        @if (pinError()) {
          <p class="form-error" role="alert">{{ pinError() }}</p>
        }
      </article>
    }
  `,
})
export class PostCard {
  private readonly session = inject(Session);
  private readonly safety = inject(SafetyState);
  private readonly announcer = inject(Announcer);
  readonly post = input.required<Post>();
  readonly detail = input(false);
  /** Fold the post when its author was just blocked or muted (lists; not a profile or the post's page). */
  readonly fold = input(true);

  private readonly posts = inject(PostService);
  readonly ownPost = computed(() => this.session.user()?.username === this.post().author.username);
  /** Follows the post given, and changes at once when you pin or unpin it here. */
  readonly pinned = linkedSignal(() => this.post().pinned);
  readonly pinning = signal(false);
  readonly pinError = signal<string | null>(null);

  togglePin(): void {
    const id = this.post().id;
    const pin = !this.pinned();
    this.pinning.set(true);
    this.pinError.set(null);
    (pin ? this.posts.pin(id) : this.posts.unpin(id)).subscribe({
      next: () => {
        this.pinning.set(false);
        this.pinned.set(pin);
        this.announcer.announce(t(pin ? 'pins.pinnedAnnounce' : 'pins.unpinnedAnnounce'));
      },
      error: (err: unknown) => {
        this.pinning.set(false);
        this.pinError.set(toApiError(err).message);
      },
    });
  }

  readonly othersPost = computed(() => {
    const me = this.session.user()?.username;
    return !!me && me !== this.post().author.username;
  });
  readonly folded = computed(() => (this.fold() && !this.detail() ? this.safety.folded(this.post().author.username) : null));
  readonly undoing = signal(false);
  readonly undoError = signal<string | null>(null);
  private readonly foldNote = viewChild<ElementRef<HTMLElement>>('foldNote');

  /** The menu's button is gone with the post: focus goes to the note that replaced it. */
  keptAway(): void {
    setTimeout(() => this.foldNote()?.nativeElement.focus());
  }

  undo(why: 'blocked' | 'muted'): void {
    const name = this.post().author.username;
    this.undoing.set(true);
    this.undoError.set(null);
    (why === 'blocked' ? this.safety.unblock(name) : this.safety.unmute(name)).subscribe({
      next: () => {
        this.undoing.set(false);
        this.announcer.announce(t(why === 'blocked' ? 'safety.unblocked' : 'safety.unmuted', { username: name }));
      },
      error: (err: unknown) => {
        this.undoing.set(false);
        this.undoError.set(toApiError(err).message);
      },
    });
  }
}
