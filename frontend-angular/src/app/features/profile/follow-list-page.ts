import { ChangeDetectionStrategy, Component, DestroyRef, effect, inject, input, untracked } from '@angular/core';
import { RouterLink } from '@angular/router';
import { UserSummary } from '../../core/models';
import { UserService } from '../../data/services';
import { InfiniteScroll } from '../../shared/infinite-scroll';
import { Pager } from '../../shared/pager';
import { StateMessage } from '../../shared/states';
import { UserList } from '../../shared/user-list';
import { TPipe } from '../../i18n';

@Component({
  selector: 'app-follow-list-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, UserList, InfiniteScroll, StateMessage, TPipe],
  template: `
    <section class="page narrow" aria-labelledby="fl-title">
      <p><a [routerLink]="['/u', username()]">← &#64;{{ username() }}</a></p>
      <h1 id="fl-title">{{ (side() === 'followers' ? 'follows.followersOf' : 'follows.followedBy') | t: { username: username() } }}</h1>
      <app-user-list [users]="pager.items()" />
      @if (pager.loading()) {
        <app-state kind="loading" />
      } @else if (pager.error()) {
        <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
      } @else if (pager.empty()) {
        <app-state kind="empty" [text]="(side() === 'followers' ? 'follows.noFollowers' : 'follows.noFollowing') | t" />
      } @else if (!pager.done()) {
        <div class="row center"><button type="button" class="btn" (click)="pager.loadMore()">{{ 'states.loadMore' | t }}</button></div>
      }
      <div class="sentinel" [appInfiniteScroll]="pager.items().length" [disabled]="pager.loading() || pager.done() || !!pager.error()" (reached)="pager.loadMore()"></div>
    </section>
  `,
})
export class FollowListPage {
  private readonly users = inject(UserService);
  readonly username = input.required<string>();
  readonly side = input<'followers' | 'following'>('followers');
  readonly pager = new Pager<UserSummary>(
    (cursor) => (this.side() === 'followers' ? this.users.followers(this.username(), { cursor }) : this.users.following(this.username(), { cursor })),
    (u) => u.username,
  );

  constructor() {
    effect(() => {
      this.username();
      this.side();
      untracked(() => this.pager.reset());
    });
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }
}
