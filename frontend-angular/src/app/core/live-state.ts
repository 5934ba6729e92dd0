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

export function describeNotification(n: AppNotification): string {
  const who = n.actor.display_name || n.actor.username;
  switch (n.type) {
    case 'follow':
      return `${who} followed you`;
    case 'reaction':
      return `${who} reacted to your post`;
    case 'comment':
      return `${who} commented on your post`;
    case 'reply':
      return `${who} replied to your comment`;
    case 'mention':
      return `${who} mentioned you`;
    case 'message':
      return `${who} sent you a message`;
    case 'removed': {
      const what = n.target_type === 'post' ? 'your post' : n.target_type === 'comment' ? 'your comment' : 'your posts and comments';
      return `The moderators removed ${what}${n.reason ? ` (reason: ${n.reason.replace(/\.$/, '')})` : ''}`;
    }
    default:
      return `New activity from ${who}`;
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
      this.announcer.announce(`New notification: ${describeNotification(n)}.`);
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
