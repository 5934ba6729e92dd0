/** A profile: who they are, counts, follow/unfollow (optimistic), message, and their posts. */
import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { Observable } from 'rxjs';
import { Title } from '@angular/platform-browser';
import { Announcer } from '../../core/announcer';
import { toApiError } from '../../core/errors';
import { LiveSocket } from '../../core/live-socket';
import { Post, UserProfile } from '../../core/models';
import { SafetyState } from '../../core/safety-state';
import { Session } from '../../core/session';
import { MessageService, UserService } from '../../data/services';
import { Avatar } from '../../shared/avatar';
import { InfiniteScroll } from '../../shared/infinite-scroll';
import { Pager } from '../../shared/pager';
import { PostCard } from '../../shared/post-card';
import { ReportForm } from '../../shared/report-form';
import { blockQuestion } from '../../shared/safety-menu';
import { StateMessage } from '../../shared/states';
import { TPipe, formatNumber, pageTitle, t } from '../../i18n';

@Component({
  selector: 'app-profile-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, Avatar, PostCard, InfiniteScroll, StateMessage, ReportForm, TPipe],
  template: `
    <section class="page" aria-labelledby="profile-title">
      @if (loading()) {
        <h1 id="profile-title" class="visually-hidden">{{ 'profile.of' | t: { username: username() } }}</h1>
        <app-state kind="loading" [text]="'profile.loading' | t" />
      } @else if (error()) {
        <h1 id="profile-title">&#64;{{ username() }}</h1>
        <app-state kind="error" [text]="error()" (retry)="load()" />
      } @else if (profile(); as p) {
        <header class="card profile-head">
          <app-avatar [user]="p" [size]="88" [online]="online()" />
          <div class="profile-main">
            <h1 id="profile-title">{{ p.display_name }} <span class="username">&#64;{{ p.username }}</span></h1>
            @if (p.follows_you) {
              <p class="pill">{{ 'profile.followsYou' | t }}</p>
            }
            @if (p.bio) {
              <p class="bio">{{ p.bio }}</p>
            }
            <ul class="counts">
              <li><strong>{{ count(p.posts_count) }}</strong> {{ 'profile.posts' | t: { count: p.posts_count } }}</li>
              <li><a [routerLink]="['/u', p.username, 'followers']"><strong>{{ count(p.followers_count) }}</strong> {{ 'profile.followers' | t: { count: p.followers_count } }}</a></li>
              <li><a [routerLink]="['/u', p.username, 'following']"><strong>{{ count(p.following_count) }}</strong> {{ 'profile.following' | t: { count: p.following_count } }}</a></li>
            </ul>
            <div class="row">
              @if (isMe()) {
                <a routerLink="/settings" class="btn">{{ 'profile.edit' | t }}</a>
              } @else if (session.signedIn()) {
                @if (!blocking()) {
                  <button type="button" class="btn" [class.btn-primary]="!p.is_following" [attr.aria-pressed]="p.is_following" [attr.aria-disabled]="followBusy() || null" (click)="toggleFollow(p)">
                    {{ (p.is_following ? 'profile.followingButton' : 'profile.follow') | t }}<span class="visually-hidden"> {{ p.display_name }}</span>
                  </button>
                  <button type="button" class="btn" (click)="message(p)" [disabled]="messageBusy()">{{ 'profile.message' | t }}</button>
                  <button type="button" class="btn" [attr.aria-pressed]="muting()" [attr.aria-disabled]="safetyBusy() || null" [disabled]="!safety.loaded()" (click)="toggleMute(p)">
                    {{ (muting() ? 'safety.unmute' : 'safety.mute') | t }}<span class="visually-hidden"> {{ p.display_name }}</span>
                  </button>
                }
                <button type="button" class="btn" [class.btn-danger]="!blocking()" [attr.aria-pressed]="blocking()" [attr.aria-disabled]="safetyBusy() || null" [disabled]="!safety.loaded()" (click)="toggleBlock(p)">
                  {{ (blocking() ? 'safety.unblock' : 'safety.block') | t }}<span class="visually-hidden"> {{ p.display_name }}</span>
                </button>
                <button type="button" class="btn btn-ghost" [attr.aria-expanded]="reporting()" aria-controls="profile-report" (click)="reporting.set(!reporting())">
                  {{ 'profile.report' | t }}<span class="visually-hidden"> {{ p.display_name }}</span>
                </button>
              } @else {
                <a routerLink="/login" [queryParams]="{ returnUrl: '/u/' + p.username }" class="btn btn-primary">{{ 'profile.signInToFollow' | t }}</a>
              }
            </div>
            @if (actionError()) {
              <p class="form-error" role="alert">{{ actionError() }}</p>
            }
          </div>
        </header>
        <div id="profile-report">
          @if (reporting()) {
            <div class="card">
              <app-report-form targetType="user" [targetId]="p.username" [what]="'@' + p.username" (cancelled)="reporting.set(false)" />
            </div>
          }
        </div>
        @if (blocking()) {
          <p class="card muted blocked-note">{{ 'profile.blockedNote' | t: { username: p.username } }}</p>
        }

        <h2>{{ 'profile.postsTitle' | t }}</h2>
        <div class="list">
          @for (post of pager.items(); track post.id) {
            <app-post-card [post]="post" [fold]="false" />
          }
        </div>
        @if (pager.loading()) {
          <app-state kind="loading" [text]="'feed.loading' | t" />
        } @else if (pager.error()) {
          <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
        } @else if (pager.empty()) {
          <app-state kind="empty" [text]="blocking() ? ('profile.blockedEmpty' | t) : ('profile.empty' | t: { name: p.display_name })" />
        } @else if (!pager.done()) {
          <div class="row center"><button type="button" class="btn" (click)="pager.loadMore()">{{ 'states.loadMore' | t }}</button></div>
        }
        <div class="sentinel" [appInfiniteScroll]="pager.items().length" [disabled]="pager.loading() || pager.done() || !!pager.error()" (reached)="pager.loadMore()"></div>
      }
    </section>
  `,
})
export class ProfilePage {
  readonly session = inject(Session);
  private readonly users = inject(UserService);
  private readonly messages = inject(MessageService);
  private readonly socket = inject(LiveSocket);
  private readonly router = inject(Router);
  private readonly announcer = inject(Announcer);
  private readonly title = inject(Title);

  readonly username = input.required<string>();
  readonly profile = signal<UserProfile | null>(null);
  readonly loading = signal(true);
  readonly error = signal<string | null>(null);
  readonly followBusy = signal(false);
  readonly messageBusy = signal(false);
  readonly actionError = signal<string | null>(null);
  readonly safety = inject(SafetyState);
  readonly safetyBusy = signal(false);
  readonly reporting = signal(false);
  readonly blocking = computed(() => !!this.profile() && this.safety.blocking(this.profile()!.username));
  readonly muting = computed(() => !!this.profile() && this.safety.muting(this.profile()!.username));
  readonly isMe = computed(() => this.profile()?.username === this.session.user()?.username);
  readonly online = computed(() => {
    const p = this.profile();
    if (!p) return undefined;
    return this.socket.presence().get(p.username) ?? p.online;
  });
  readonly pager = new Pager<Post>((cursor) => this.users.posts(this.username(), { cursor }), (p) => p.id);
  readonly count = formatNumber;

  constructor() {
    effect(() => {
      this.username();
      untracked(() => this.load());
    });
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }

  load(): void {
    this.loading.set(true);
    this.error.set(null);
    this.actionError.set(null);
    this.users.profile(this.username()).subscribe({
      next: (p) => {
        this.profile.set(p);
        this.reporting.set(false);
        this.title.setTitle(pageTitle(`${p.display_name} (@${p.username})`));
        this.loading.set(false);
        this.pager.reset();
        // Whether you block or mute them is not in the profile: the lists tell (once per sign-in).
        if (this.session.signedIn() && !this.isMe()) {
          this.safety.load().subscribe({ error: (err: unknown) => this.actionError.set(toApiError(err).message) });
        }
      },
      error: (err: unknown) => {
        this.error.set(toApiError(err).message);
        this.loading.set(false);
      },
    });
  }

  toggleFollow(p: UserProfile): void {
    if (this.followBusy()) return;
    const follow = !p.is_following;
    const optimistic = { ...p, is_following: follow, followers_count: p.followers_count + (follow ? 1 : -1) };
    this.profile.set(optimistic);
    this.followBusy.set(true);
    this.actionError.set(null);
    (follow ? this.users.follow(p.username) : this.users.unfollow(p.username)).subscribe({
      next: () => {
        this.followBusy.set(false);
        this.announcer.announce(t(follow ? 'profile.followed' : 'profile.unfollowed', { name: p.display_name }));
      },
      error: (err: unknown) => {
        this.profile.set(p);
        this.followBusy.set(false);
        this.actionError.set(toApiError(err).message);
      },
    });
  }

  toggleMute(p: UserProfile): void {
    if (this.safetyBusy()) return;
    const on = !this.muting();
    this.safetyAction(on ? this.safety.mute(p.username) : this.safety.unmute(p.username), t(on ? 'safety.muted' : 'safety.unmuted', { username: p.username }));
  }

  toggleBlock(p: UserProfile): void {
    if (this.safetyBusy()) return;
    const on = !this.blocking();
    if (on && !globalThis.confirm?.(blockQuestion(p.username))) return;
    this.safetyAction(on ? this.safety.block(p.username) : this.safety.unblock(p.username), t(on ? 'safety.blocked' : 'safety.unblocked', { username: p.username }), () => {
      // As the server does: a block ends the follows both ways, and hides their posts.
      const now = this.profile();
      if (on && now) {
        const followers = now.followers_count - (now.is_following ? 1 : 0);
        const following = now.following_count - (now.follows_you ? 1 : 0);
        this.profile.set({ ...now, is_following: false, follows_you: false, followers_count: followers, following_count: following });
      }
      this.pager.reset();
    });
  }

  private safetyAction(action: Observable<void>, done: string, after?: () => void): void {
    this.safetyBusy.set(true);
    this.actionError.set(null);
    action.subscribe({
      next: () => {
        this.safetyBusy.set(false);
        after?.();
        this.announcer.announce(done);
      },
      error: (err: unknown) => {
        this.safetyBusy.set(false);
        this.actionError.set(toApiError(err).message);
      },
    });
  }

  message(p: UserProfile): void {
    this.messageBusy.set(true);
    this.actionError.set(null);
    this.messages.open(p.username).subscribe({
      next: (c) => void this.router.navigate(['/messages', c.id]),
      error: (err: unknown) => {
        this.messageBusy.set(false);
        this.actionError.set(toApiError(err).message);
      },
    });
  }
}
