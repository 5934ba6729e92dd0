/**
 * Mock mode's stand-in for the server end of /ws: answers pings, sends the unread counts on
 * connect, forwards the frames the mock services push (typing, replies), and now and then
 * announces a new post by someone you follow or flips someone's presence.
 */
import { inject } from '@angular/core';
import { Subscription } from 'rxjs';
import { jwtExpiry } from '../../core/session';
import { ClientFrame, ServerFrame } from '../../core/models';
import { SocketFactory, SocketLike } from '../../core/live-socket';
import { MockDb } from './mock-db';

const SAMPLE_POSTS = [
  'Just shipped a feature flag cleanup: 40 flags removed, zero incidents. #practices',
  'TIL: `EXPLAIN (ANALYZE, BUFFERS)` shows cache hits. #postgres',
  'Writing tests against in-memory fakes makes the suite 10x faster. #testing',
];

export class MockServerSocket implements SocketLike {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  private readonly sub: Subscription;
  private readonly unreadSub: Subscription;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private readonly user: string;

  constructor(private readonly db: MockDb, url: string) {
    const token = new URL(url, 'http://x').searchParams.get('access_token') ?? '';
    this.user = this.subject(token);
    this.sub = db.frames.subscribe((frame) => this.deliver(frame));
    this.unreadSub = db.unreadChanged.subscribe(() => this.deliver({ id: null, type: 'unread', data: this.counts() }));
    setTimeout(() => {
      if (jwtExpiry(token) === null) return this.close(4001, 'unauthorized');
      this.readyState = 1;
      this.onopen?.(new Event('open'));
      this.deliver({ id: null, type: 'unread', data: this.counts() });
    }, 30);
    let n = 0;
    this.timers.push(
      setInterval(() => {
        const followed = [...db.follows].filter((f) => f.startsWith(`${this.user}>`)).map((f) => f.split('>')[1]);
        const author = followed[n % Math.max(followed.length, 1)];
        if (!author) return;
        const post = db.addPost(author, SAMPLE_POSTS[n++ % SAMPLE_POSTS.length]);
        this.deliver({ id: null, type: 'post.created', data: db.postObject(post, this.user) });
      }, 45_000),
      setInterval(() => {
        const online = !db.online.has('linus');
        if (online) db.online.add('linus');
        else db.online.delete('linus');
        this.deliver({ id: null, type: 'presence', data: { username: 'linus', online } });
      }, 30_000),
    );
  }

  private subject(token: string): string {
    try {
      const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: string };
      return payload.sub ?? '';
    } catch {
      return '';
    }
  }

  private counts(): { notifications: number; messages: number } {
    const notifications = this.db.notifications.filter((n) => n.recipient === this.user && !n.read).length;
    const messages = this.db.conversations
      .filter((c) => c.members.includes(this.user))
      .reduce((sum, c) => sum + this.db.conversationObject(c, this.user).unread_count, 0);
    return { notifications, messages };
  }

  private deliver(frame: ServerFrame): void {
    if (this.readyState !== 1) return;
    if (frame.type === 'message' && !this.db.conversations.some((c) => c.id === frame.data.conversation_id && c.members.includes(this.user))) {
      return;
    }
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(frame) }));
  }

  send(data: string): void {
    const frame = JSON.parse(data) as ClientFrame;
    if (frame.type === 'ping') setTimeout(() => this.deliver({ id: null, type: 'pong', data: {} }), 10);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.sub.unsubscribe();
    this.unreadSub.unsubscribe();
    this.timers.forEach((t) => clearInterval(t));
    this.onclose?.(new CloseEvent('close', { code, reason }));
  }
}

export function mockSocketFactory(): SocketFactory {
  const db = inject(MockDb);
  return (url: string) => new MockServerSocket(db, url);
}
