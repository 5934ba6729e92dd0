/**
 * Feeds: Home (people you follow, signed in only), Latest, Trending. Infinite scroll over cursor
 * pages; live `post.created` frames collect in an "N new posts" banner instead of moving the list.
 */
import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, Injector, afterNextRender, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { Announcer } from '../../core/announcer';
import { focusAndReveal } from '../../core/keyboard';
import { LiveSocket } from '../../core/live-socket';
import { FeedKind, Post } from '../../core/models';
import { Session } from '../../core/session';
import { FeedService } from '../../data/services';
import { Composer } from '../../shared/composer';
import { InfiniteScroll } from '../../shared/infinite-scroll';
import { Pager } from '../../shared/pager';
import { PostCard } from '../../shared/post-card';
import { StateMessage } from '../../shared/states';
import { TKey, TPipe, t, tKey } from '../../i18n';

// Words read out by the announcer, kept together for translation.
export const FEED_TEXT = {
  newPosts: (n: number) => t('feed.newAnnounce', { count: n }),
};

@Component({
  selector: 'app-feed-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, PostCard, Composer, InfiniteScroll, StateMessage, TPipe],
  template: `
    <section class="page" aria-labelledby="feed-title">
      <h1 id="feed-title" class="visually-hidden">{{ titles[kind()] | t }}</h1>
      <nav class="tabs" [attr.aria-label]="'feed.tabs' | t">
        @if (session.signedIn()) {
          <a routerLink="/" class="tab" [class.active]="kind() === 'home'" [attr.aria-current]="kind() === 'home' ? 'page' : null">{{ 'feed.home' | t }}</a>
        }
        <a [routerLink]="session.signedIn() ? '/latest' : '/'" class="tab" [class.active]="kind() === 'latest'" [attr.aria-current]="kind() === 'latest' ? 'page' : null">{{ 'feed.latest' | t }}</a>
        <a routerLink="/trending" class="tab" [class.active]="kind() === 'trending'" [attr.aria-current]="kind() === 'trending' ? 'page' : null">{{ 'feed.trending' | t }}</a>
      </nav>

      @if (session.signedIn() && kind() !== 'trending') {
        <app-composer (saved)="published($event)" />
      }

      @if (fresh().length) {
        <button type="button" class="new-posts" (click)="showFresh()">
          {{ 'feed.showNew' | t: { count: fresh().length } }}
        </button>
      }

      <div class="list" [attr.aria-busy]="pager.loading()">
        @for (post of pager.items(); track post.id) {
          <app-post-card [post]="post" />
        }
      </div>

      @if (pager.loading()) {
        <app-state kind="loading" [text]="'feed.loading' | t" />
      } @else if (pager.error()) {
        <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
      } @else if (pager.empty()) {
        <app-state kind="empty" [text]="(kind() === 'home' ? 'feed.homeEmpty' : 'feed.empty') | t" />
      } @else if (!pager.done()) {
        <div class="row center">
          <button type="button" class="btn" (click)="pager.loadMore()">{{ 'states.loadMore' | t }}</button>
        </div>
      } @else if (pager.items().length) {
        <p class="state state-end">{{ 'states.caughtUp' | t }}</p>
      }
      <div class="sentinel" [appInfiniteScroll]="pager.items().length" [disabled]="pager.loading() || pager.done() || !!pager.error()" (reached)="pager.loadMore()"></div>
    </section>
  `,
})
export class FeedPage {
  readonly session = inject(Session);
  private readonly feeds = inject(FeedService);
  private readonly socket = inject(LiveSocket);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly announcer = inject(Announcer);
  private readonly injector = inject(Injector);

  /** Route data: 'default' is `/` (Home when signed in, Latest otherwise). */
  readonly feed = input<'default' | FeedKind>('default');
  readonly kind = computed<FeedKind>(() => {
    const feed = this.feed();
    if (feed === 'home' && !this.session.signedIn()) return 'latest';
    return feed === 'default' ? (this.session.signedIn() ? 'home' : 'latest') : feed;
  });
  readonly titles: Record<FeedKind, TKey> = { home: tKey('feed.homeTitle'), latest: tKey('feed.latestTitle'), trending: tKey('feed.trendingTitle') };

  readonly pager = new Pager<Post>((cursor) => this.feeds.feed(this.kind(), { cursor }), (p) => p.id);
  /** New posts announced live, not shown yet. */
  readonly fresh = signal<Post[]>([]);

  constructor() {
    effect(() => {
      this.kind();
      untracked(() => {
        this.fresh.set([]);
        this.pager.reset();
      });
    });
    this.socket
      .on('post.created')
      .pipe(takeUntilDestroyed())
      .subscribe((post) => {
        if (this.kind() === 'trending' || this.pager.has(post.id)) return;
        if (this.fresh().some((p) => p.id === post.id)) return;
        this.fresh.update((list) => [post, ...list]);
        // The banner is not a live region of its own (it appears and goes): say it once per post.
        const n = this.fresh().length;
        this.announcer.announce(FEED_TEXT.newPosts(n));
      });
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }

  showFresh(): void {
    const fresh = this.fresh();
    if (!fresh.length) return;
    this.pager.prepend(fresh);
    this.fresh.set([]);
    // Once the new posts are drawn, focus the newest (not the old first post) and bring it into
    // view, smoothly unless reduced motion is asked for: keyboard users land on what is new.
    const newest = fresh[0].id;
    afterNextRender(
      () => {
        const article = this.host.nativeElement.querySelector<HTMLElement>(`.list article[data-post-id="${newest}"]`);
        if (article) focusAndReveal(article);
      },
      { injector: this.injector },
    );
  }

  published(post: Post): void {
    if (this.kind() !== 'trending') this.pager.prepend([post]);
  }
}
