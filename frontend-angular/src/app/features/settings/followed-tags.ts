/** GET /me/tags: the tags you follow (their posts join your home feed), each linked to its page. */
import { ChangeDetectionStrategy, Component, DestroyRef, inject } from '@angular/core';
import { RouterLink } from '@angular/router';
import { FollowedTag } from '../../core/models';
import { FeedService } from '../../data/services';
import { Pager } from '../../shared/pager';
import { StateMessage } from '../../shared/states';
import { TPipe } from '../../i18n';

@Component({
  selector: 'app-followed-tags',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, StateMessage, TPipe],
  template: `
    <section class="card form" aria-labelledby="followed-tags-title">
      <h2 id="followed-tags-title">{{ 'settings.followedTags.title' | t }}</h2>
      <p class="muted">{{ 'settings.followedTags.about' | t }}</p>
      <ul class="tag-list" aria-labelledby="followed-tags-title">
        @for (tag of pager.items(); track tag.name) {
          <li>
            <a [routerLink]="['/tags', tag.name]">#{{ tag.name }}</a>
            <span class="muted"> {{ 'search.tagPosts' | t: { count: tag.posts_count } }}</span>
          </li>
        }
      </ul>
      @if (pager.loading()) {
        <app-state kind="loading" [text]="'settings.followedTags.loading' | t" />
      } @else if (pager.error()) {
        <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
      } @else if (pager.empty()) {
        <p class="muted">{{ 'settings.followedTags.empty' | t }}</p>
      } @else if (!pager.done()) {
        <button type="button" class="btn" (click)="pager.loadMore()">{{ 'settings.followedTags.more' | t }}</button>
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
