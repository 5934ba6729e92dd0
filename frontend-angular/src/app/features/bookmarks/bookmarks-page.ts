import { ChangeDetectionStrategy, Component, DestroyRef, inject } from '@angular/core';
import { Post } from '../../core/models';
import { PostService } from '../../data/services';
import { InfiniteScroll } from '../../shared/infinite-scroll';
import { Pager } from '../../shared/pager';
import { PostCard } from '../../shared/post-card';
import { StateMessage } from '../../shared/states';
import { TPipe } from '../../i18n';

@Component({
  selector: 'app-bookmarks-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [PostCard, InfiniteScroll, StateMessage, TPipe],
  template: `
    <section class="page" aria-labelledby="bm-title">
      <h1 id="bm-title">{{ 'bookmarks.title' | t }}</h1>
      <div class="list">
        @for (post of pager.items(); track post.id) {
          <app-post-card [post]="post" />
        }
      </div>
      @if (pager.loading()) {
        <app-state kind="loading" [text]="'bookmarks.loading' | t" />
      } @else if (pager.error()) {
        <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
      } @else if (pager.empty()) {
        <app-state kind="empty" [text]="'bookmarks.empty' | t" />
      } @else if (!pager.done()) {
        <div class="row center"><button type="button" class="btn" (click)="pager.loadMore()">{{ 'states.loadMore' | t }}</button></div>
      }
      <div class="sentinel" [appInfiniteScroll]="pager.items().length" [disabled]="pager.loading() || pager.done() || !!pager.error()" (reached)="pager.loadMore()"></div>
    </section>
  `,
})
export class BookmarksPage {
  private readonly posts = inject(PostService);
  readonly pager = new Pager<Post>((cursor) => this.posts.bookmarks({ cursor }), (p) => p.id);

  constructor() {
    this.pager.reset();
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }
}
