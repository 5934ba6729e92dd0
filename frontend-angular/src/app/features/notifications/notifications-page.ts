/** Notifications: newest first, live ones added on top, mark one or all as read. */
import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { toApiError } from '../../core/errors';
import { LiveSocket } from '../../core/live-socket';
import { LiveState, describeNotification } from '../../core/live-state';
import { AppNotification } from '../../core/models';
import { NotificationService } from '../../data/services';
import { Avatar } from '../../shared/avatar';
import { InfiniteScroll } from '../../shared/infinite-scroll';
import { Pager } from '../../shared/pager';
import { StateMessage } from '../../shared/states';
import { TimeAgo } from '../../shared/time';
import { TPipe } from '../../i18n';

/** Where a notification leads; a removal notice leads nowhere (what it was about is gone). */
export function notificationLink(n: AppNotification): { path: unknown[]; fragment?: string } | null {
  if (n.type === 'removed') return null;
  if (n.type === 'message' && n.conversation_id) return { path: ['/messages', n.conversation_id] };
  if (n.post_id) return { path: ['/p', n.post_id], fragment: n.comment_id ? `comment-${n.comment_id}` : undefined };
  return { path: ['/u', n.actor.username] };
}

@Component({
  selector: 'app-notifications-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, Avatar, TimeAgo, InfiniteScroll, StateMessage, TPipe],
  template: `
    <section class="page narrow" aria-labelledby="notif-title">
      <div class="row between">
        <h1 id="notif-title">{{ 'notifications.title' | t }}</h1>
        <button type="button" class="btn" (click)="markAll()" [disabled]="busy() || !hasUnread()">{{ 'notifications.markAll' | t }}</button>
      </div>
      @if (actionError()) {
        <p class="form-error" role="alert">{{ actionError() }}</p>
      }
      <ul class="notifications">
        @for (n of pager.items(); track n.id) {
          <li class="notification" [class.unread]="!n.read">
            <app-avatar [user]="n.actor" [size]="36" />
            <div class="notification-body">
              @if (link(n); as target) {
                <a [routerLink]="target.path" [fragment]="target.fragment" (click)="open(n)">
                  {{ describe(n) }}
                </a>
              } @else {
                <span>{{ describe(n) }}</span>
              }
              <app-time [iso]="n.created_at" />
              @if (!n.read) {
                <span class="visually-hidden">{{ 'notifications.unread' | t }}</span>
              }
            </div>
            @if (!n.read) {
              <button type="button" class="btn btn-ghost btn-small" (click)="markOne(n)">{{ 'notifications.markRead' | t }}<span class="visually-hidden">: {{ describe(n) }}</span></button>
            }
          </li>
        }
      </ul>
      @if (pager.loading()) {
        <app-state kind="loading" [text]="'notifications.loading' | t" />
      } @else if (pager.error()) {
        <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
      } @else if (pager.empty()) {
        <app-state kind="empty" [text]="'notifications.empty' | t" />
      } @else if (!pager.done()) {
        <div class="row center"><button type="button" class="btn" (click)="pager.loadMore()">{{ 'states.loadMore' | t }}</button></div>
      }
      <div class="sentinel" [appInfiniteScroll]="pager.items().length" [disabled]="pager.loading() || pager.done() || !!pager.error()" (reached)="pager.loadMore()"></div>
    </section>
  `,
})
export class NotificationsPage {
  private readonly notifications = inject(NotificationService);
  private readonly live = inject(LiveState);
  readonly pager = new Pager<AppNotification>((cursor) => this.notifications.list({ cursor }), (n) => n.id);
  readonly busy = signal(false);
  readonly actionError = signal<string | null>(null);
  readonly describe = describeNotification;
  readonly link = notificationLink;

  constructor() {
    this.pager.reset();
    inject(LiveSocket)
      .on('notification')
      .pipe(takeUntilDestroyed())
      .subscribe((n) => this.pager.prepend([n]));
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }

  hasUnread(): boolean {
    return this.pager.items().some((n) => !n.read);
  }

  markAll(): void {
    this.busy.set(true);
    this.actionError.set(null);
    this.notifications.markRead().subscribe({
      next: () => {
        this.busy.set(false);
        this.pager.items.update((list) => list.map((n) => ({ ...n, read: true })));
        this.live.notificationsRead('all');
      },
      error: (err: unknown) => {
        this.busy.set(false);
        this.actionError.set(toApiError(err).message);
      },
    });
  }

  markOne(n: AppNotification): void {
    this.pager.replace(n.id, { ...n, read: true });
    this.live.notificationsRead(1);
    this.notifications.markRead([n.id]).subscribe({
      error: (err: unknown) => {
        this.pager.replace(n.id, n);
        this.live.refreshCounts();
        this.actionError.set(toApiError(err).message);
      },
    });
  }

  open(n: AppNotification): void {
    if (!n.read) this.markOne(n);
  }
}
