/** GET /me/tags: the tags you follow (their posts join your home feed), each linked to its page. */
import { ChangeDetectionStrategy, Component, DestroyRef, inject } from '@angular/core';
import { RouterLink } from '@angular/router';
import { FollowedTag } from '../../core/models';
import { FeedService } from '../../data/services';
import { Pager } from '../../shared/pager';
import { StateMessage } from '../../shared/states';

@Component({
  selector: 'app-followed-tags',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, StateMessage],
  template: `
    <section class="card form" aria-labelledby="followed-tags-title">
      <h2 id="followed-tags-title">Followed tags</h2>
      <p class="muted">Follow a tag from its page: its posts join your home feed.</p>
      <ul class="tag-list" aria-labelledby="followed-tags-title">
        @for (t of pager.items(); track t.name) {
          <li>
            <a [routerLink]="['/tags', t.name]">#{{ t.name }}</a>
            <span class="muted"> {{ t.posts_count }} {{ t.posts_count === 1 ? 'post' : 'posts' }}</span>
          </li>
        }
      </ul>
      @if (pager.loading()) {
        <app-state kind="loading" text="Loading the tags you follow…" />
      } @else if (pager.error()) {
        <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
      } @else if (pager.empty()) {
        <p class="muted">You follow no tags yet.</p>
      } @else if (!pager.done()) {
        <button type="button" class="btn" (click)="pager.loadMore()">Show more tags</button>
      }
    </section>
  `,
})
export class FollowedTags {
  private readonly feeds = inject(FeedService);
  readonly pager = new Pager<FollowedTag>((cursor) => this.feeds.followedTags({ cursor }), (t) => t.name);

  constructor() {
    this.pager.reset();
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }
}
