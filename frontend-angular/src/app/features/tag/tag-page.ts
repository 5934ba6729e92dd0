import { ChangeDetectionStrategy, Component, DestroyRef, effect, inject, input, untracked } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { Post } from '../../core/models';
import { FeedService } from '../../data/services';
import { InfiniteScroll } from '../../shared/infinite-scroll';
import { Pager } from '../../shared/pager';
import { PostCard } from '../../shared/post-card';
import { StateMessage } from '../../shared/states';
import { TPipe, pageTitle } from '../../i18n';

@Component({
  selector: 'app-tag-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [PostCard, InfiniteScroll, StateMessage, TPipe],
  template: `
    <section class="page" aria-labelledby="tag-title">
      <h1 id="tag-title">#{{ tag() }}</h1>
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
  readonly tag = input.required<string>();
  readonly pager = new Pager<Post>((cursor) => this.feeds.tagPosts(this.tag(), { cursor }), (p) => p.id);

  constructor() {
    effect(() => {
      const tag = this.tag();
      untracked(() => {
        this.title.setTitle(pageTitle(`#${tag}`));
        this.pager.reset();
      });
    });
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }
}
