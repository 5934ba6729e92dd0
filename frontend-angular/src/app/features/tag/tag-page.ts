import { ChangeDetectionStrategy, Component, DestroyRef, effect, inject, input, signal, untracked } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { Announcer } from '../../core/announcer';
import { toApiError } from '../../core/errors';
import { Post } from '../../core/models';
import { Session } from '../../core/session';
import { FeedService } from '../../data/services';
import { InfiniteScroll } from '../../shared/infinite-scroll';
import { Pager } from '../../shared/pager';
import { PostCard } from '../../shared/post-card';
import { StateMessage } from '../../shared/states';
import { TPipe, pageTitle, t } from '../../i18n';

@Component({
  selector: 'app-tag-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [PostCard, InfiniteScroll, StateMessage, TPipe],
  template: `
    <section class="page" aria-labelledby="tag-title">
      <div class="row between">
        <h1 id="tag-title">#{{ tag() }}</h1>
        @if (session.signedIn() && following() !== null) {
          <button type="button" class="btn follow-tag" [class.btn-primary]="!following()" [attr.aria-pressed]="following()"
            [disabled]="busy()" (click)="toggleFollow()">
            {{ (following() ? 'tag.following' : 'tag.follow') | t }}<span class="visually-hidden"> #{{ tag() }}</span>
          </button>
        }
      </div>
      @if (followError()) {
        <p class="form-error" role="alert">{{ followError() }}</p>
      }
      <div class="list">
        @for (post of pager.items(); track post.id) {
          <app-post-card [post]="post" />
        }
      </div>
      @if (pager.loading()) {
        <app-state kind="loading" [text]="'feed.loading' | t" />
      } @else if (pager.error()) {
        <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
      } @else if (pager.empty()) {
        <app-state kind="empty" [text]="'tag.empty' | t: { tag: tag() }" />
      } @else if (!pager.done()) {
        <div class="row center"><button type="button" class="btn" (click)="pager.loadMore()">{{ 'states.loadMore' | t }}</button></div>
      }
      <div class="sentinel" [appInfiniteScroll]="pager.items().length" [disabled]="pager.loading() || pager.done() || !!pager.error()" (reached)="pager.loadMore()"></div>
    </section>
  `,
})
export class TagPage {
  private readonly feeds = inject(FeedService);
  private readonly title = inject(Title);
  private readonly announcer = inject(Announcer);
  readonly session = inject(Session);
  readonly tag = input.required<string>();
  /** Whether you follow the tag; null until known (or when nothing carries it yet). */
  readonly following = signal<boolean | null>(null);
  readonly busy = signal(false);
  readonly followError = signal<string | null>(null);
  readonly pager = new Pager<Post>((cursor) => this.feeds.tagPosts(this.tag(), { cursor }), (p) => p.id);

  constructor() {
    effect(() => {
      const tag = this.tag();
      untracked(() => {
        this.title.setTitle(pageTitle(`#${tag}`));
        this.pager.reset();
        this.loadFollowing(tag);
      });
    });
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }

  private loadFollowing(tag: string): void {
    this.following.set(null);
    this.followError.set(null);
    if (!this.session.signedIn()) return;
    this.feeds.tag(tag).subscribe({
      next: (info) => this.following.set(info.following),
      error: () => this.following.set(null),
    });
  }

  /** Follow or stop following the tag: its posts join (or leave) your home feed. */
  toggleFollow(): void {
    const tag = this.tag();
    const follow = !this.following();
    this.busy.set(true);
    this.followError.set(null);
    (follow ? this.feeds.followTag(tag) : this.feeds.unfollowTag(tag)).subscribe({
      next: () => {
        this.busy.set(false);
        this.following.set(follow);
        this.announcer.announce(t(follow ? 'tag.followed' : 'tag.unfollowed', { tag }));
      },
      error: (err: unknown) => {
        this.busy.set(false);
        this.followError.set(toApiError(err).message);
      },
    });
  }
}
