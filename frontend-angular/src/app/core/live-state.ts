/**
 * App-wide live state built on LiveSocket: the unread badges of the navigation, and an
 * announcement for each notification that arrives.
 */
import { Injectable, Injector, computed, effect, inject, signal, untracked } from '@angular/core';
import { NotificationService } from '../data/services';
import { Announcer } from './announcer';
import { LiveSocket } from './live-socket';
import { AppNotification } from './models';
import { Session } from './session';
import { t } from '../i18n';

export function describeNotification(n: AppNotification): string {
  const who = n.actor.display_name || n.actor.username;
  switch (n.type) {
    case 'follow':
      return t('notifications.follow', { who });
    case 'reaction':
      return t('notifications.reaction', { who });
    case 'comment':
      return t('notifications.comment', { who });
    case 'reply':
      return t('notifications.reply', { who });
    case 'mention':
      return t('notifications.mention', { who });
    case 'message':
      return t('notifications.message', { who });
    case 'removed': {
      const target = n.target_type === 'post' || n.target_type === 'comment' ? n.target_type : 'content';
      const reason = n.reason?.replace(/\.$/, '');
      return reason ? t(`notifications.removed.${target}WithReason`, { reason }) : t(`notifications.removed.${target}`);
    }
    default:
      return t('notifications.activity', { who });
  }
}

@Injectable({ providedIn: 'root' })
export class LiveState {
  private readonly session = inject(Session);
  private readonly socket = inject(LiveSocket);
  private readonly notifications = inject(NotificationService);
  private readonly announcer = inject(Announcer);
  private readonly injector = inject(Injector);

  private readonly notificationCount = signal(0);
  private readonly messageCount = signal(0);
  readonly unreadNotifications = computed(() => this.notificationCount());
  readonly unreadMessages = computed(() => this.messageCount());
  readonly connection = this.socket.status;
  /** The conversation on screen, if any: its messages do not count as unread. */
  readonly activeConversation = signal<number | null>(null);

  private started = false;

  start(): void {
    if (this.started) return;
    this.started = true;
    this.socket.start();

    effect(() => {
      if (this.session.signedIn()) untracked(() => this.refreshCounts());
      else {
        this.notificationCount.set(0);
        this.messageCount.set(0);
      }
    }, { injector: this.injector });
    effect(() => {
      const unread = this.socket.unread();
      if (!unread) return;
      this.notificationCount.set(unread.notifications);
      this.messageCount.set(unread.messages);
    }, { injector: this.injector });
    this.socket.on('notification').subscribe((n) => {
      if (!n.read) this.notificationCount.update((c) => c + 1);
      this.announcer.announce(t('notifications.announce', { text: describeNotification(n) }));
    });
    this.socket.on('message').subscribe((m) => {
      const mine = m.sender.username === this.session.user()?.username;
      if (!mine && m.conversation_id !== this.activeConversation()) this.messageCount.update((c) => c + 1);
    });
  }

  refreshCounts(): void {
    this.notifications.unreadCount().subscribe({
      next: ({ count }) => this.notificationCount.set(count),
      error: () => undefined,
    });
  }

  /** After the user read some (or all) notifications here. */
  notificationsRead(count: number | 'all'): void {
    this.notificationCount.update((c) => (count === 'all' ? 0 : Math.max(0, c - count)));
  }

  messagesRead(count: number): void {
    this.messageCount.update((c) => Math.max(0, c - count));
  }
}
