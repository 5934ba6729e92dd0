/**
 * The in-memory data behind the mock services: a small, believable DevThread with users,
 * follows, posts with tags and code, threaded comments, reactions, bookmarks, notifications and
 * conversations. Deterministic (no randomness), so tests can rely on it.
 */
import { HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { Injectable, InjectionToken, inject } from '@angular/core';
import { Observable, Subject, defer, delay, of, throwError } from 'rxjs';
import {
  AppNotification,
  Comment,
  Conversation,
  ConversationDetail,
  Message,
  NotificationType,
  Page,
  Post,
  PrivateUser,
  ReactionCounts,
  ReactionKind,
  REACTION_KINDS,
  Report,
  Role,
  ServerFrame,
  UserListItem,
  UserSummary,
} from '../../core/models';
import { PageRequest } from '../services';

/** Simulated latency of every mock call, in ms (0 in tests: answers come synchronously). */
export const MOCK_LATENCY = new InjectionToken<number>('MOCK_LATENCY', {
  providedIn: 'root',
  factory: () => 0,
});

export const MOCK_PASSWORD = 'devthread-demo';
/** Grace has two-factor sign-in on in the mock; her authenticator app always shows this. */
export const MOCK_TOTP_CODE = '123456';

export interface MockUser extends PrivateUser {
  password: string;
}

export interface StoredPost {
  id: number;
  author: string;
  body: string;
  tags: string[];
  created_at: string;
  edited_at: string | null;
  pinned_at?: string | null;
  draft?: boolean;
}

/** A body an edit replaced, and when that body was written. */
interface StoredRevision {
  id: number;
  post_id: number;
  body: string;
  edited_at: string;
}

interface StoredComment {
  id: number;
  post_id: number;
  parent_id: number | null;
  author: string;
  body: string;
  created_at: string;
  edited_at: string | null;
  deleted?: boolean;
}

interface StoredNotification {
  id: number;
  recipient: string;
  type: NotificationType;
  actor: string;
  post_id: number | null;
  comment_id: number | null;
  conversation_id: number | null;
  created_at: string;
  read: boolean;
}

interface StoredConversation {
  id: number;
  members: string[];
  updated_at: string;
  lastRead: Record<string, number>;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The mock's stand-in for the server's Markdown: escaped text in paragraphs, fenced code in <pre>. */
export function mockMarkdown(body: string): string {
  const out: string[] = [];
  const blocks = body.split(/```/);
  blocks.forEach((block, i) => {
    if (i % 2 === 1) {
      const code = block.replace(/^[a-z0-9_+-]*\n/i, '');
      out.push(`<pre><code>${escapeHtml(code.replace(/\n$/, ''))}</code></pre>`);
    } else {
      for (const para of block.split(/\n{2,}/)) {
        const text = para.trim();
        if (text) out.push(`<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`);
      }
    }
  });
  return out.join('\n');
}

export function tagsIn(body: string): string[] {
  return [...body.matchAll(/(?:^|\s)#([a-z0-9_-]{1,30})\b/gi)].map((m) => m[1].toLowerCase());
}

export function httpError(
  status: number,
  code: string,
  message: string,
  fields?: Record<string, string[]>,
  headers?: Record<string, string>,
  extra?: Record<string, unknown>,
): HttpErrorResponse {
  return new HttpErrorResponse({
    status,
    statusText: code,
    error: { error: { code, message, ...(fields ? { fields } : {}) }, ...(extra ?? {}) },
    headers: new HttpHeaders(headers ?? {}),
    url: '/api/v1 (mock)',
  });
}

/** Keyset pagination over an already ordered list: the cursor is the last key seen. */
export function paginate<T>(items: T[], key: (item: T) => string | number, page: PageRequest = {}): Page<T> {
  const limit = Math.min(Math.max(page.limit ?? 20, 1), 100);
  let start = 0;
  if (page.cursor) {
    const after = atob(page.cursor);
    const index = items.findIndex((item) => String(key(item)) === after);
    start = index >= 0 ? index + 1 : items.length;
  }
  const slice = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return { items: slice, next_cursor: more && slice.length ? btoa(String(key(slice[slice.length - 1]))) : null };
}

const MINUTE = 60_000;

const PEOPLE: [string, string, string, Role][] = [
  ['ada', 'Ada Lovelace', 'Notes on the analytical engine. Admin here.', 'admin'],
  ['grace', 'Grace Hopper', 'Compilers, COBOL, and nanoseconds on a wire.', 'moderator'],
  ['linus', 'Linus T.', 'Kernel things. Patches welcome, opinions too.', 'user'],
  ['margaret', 'Margaret Hamilton', 'Software engineering, Apollo-grade.', 'user'],
  ['alan', 'Alan Turing', 'Computable numbers and chess engines.', 'user'],
  ['barbara', 'Barbara Liskov', 'Substitutability is a contract.', 'user'],
  ['ken', 'Ken Thompson', 'UTF-8 on a placemat.', 'user'],
  ['dennis', 'Dennis Ritchie', 'C, Unix, and fewer keystrokes.', 'user'],
];

const POST_BODIES: string[] = [
  'Finally moved our feed pagination from OFFSET to keyset on `(created_at, id)`. p95 went from 900 ms to 12 ms. #postgres #performance',
  'Small TypeScript trick of the day:\n\n```ts\ntype Kinds = (typeof KINDS)[number];\n```\n\nNo more enum drift. #typescript',
  'Hot take: most "microservices" I review are a distributed monolith with extra latency. #architecture',
  'Angular signals + zoneless feel like a different framework. Change detection is finally boring. #angular #frontend',
  'Reminder that refresh tokens should rotate and a reused one should revoke the whole family. #security',
  'Wrote a tiny Markdown previewer today. Escaping first, formatting second. #webdev',
  'What is your favourite `git` alias? Mine: `git lg` for a graph log. #git',
  'SQLite in WAL mode is an excellent default for small apps. You can still move to Postgres later. #sqlite #postgres',
  'Exponential backoff without jitter is just a synchronized retry storm with extra steps. #reliability',
  'Read "Out of the Tar Pit" again. Still right about accidental state. #papers',
  'Pair programming tip: the navigator owns the tests. #practices',
  'If your WebSocket server has no resume, your users have gaps. Store first, push second. #realtime',
  'Rust borrow checker finally clicked for me today: it is about aliasing XOR mutation. #rust',
  'A good error message names the field, the rule, and the fix. #ux #api',
  'Accessibility is not a feature flag. Labels, focus, landmarks: every control, every time. #a11y #frontend',
];

@Injectable({ providedIn: 'root' })
export class MockDb {
  readonly latency = inject(MOCK_LATENCY);
  /** Frames the mock socket pushes to the app (mock mode only). */
  readonly frames = new Subject<ServerFrame>();
  /** Unread counts changed (something was read): the mock socket pushes an `unread` frame. */
  readonly unreadChanged = new Subject<void>();
  private eventSeq = 100;

  readonly users = new Map<string, MockUser>();
  readonly follows = new Set<string>(); // "follower>followee"
  readonly posts: StoredPost[] = []; // newest first
  /** Drafts live apart from the posts: no list of posts can show one. Newest first. */
  readonly drafts: StoredPost[] = [];
  readonly revisions: StoredRevision[] = []; // newest first
  readonly comments: StoredComment[] = []; // oldest first
  readonly reactions = new Map<number, Map<ReactionKind, Set<string>>>();
  readonly bookmarks: { user: string; postId: number; at: number }[] = [];
  readonly notifications: StoredNotification[] = []; // newest first
  readonly conversations: StoredConversation[] = [];
  readonly messages: Message[] = []; // oldest first
  readonly online = new Set<string>(['grace', 'linus', 'ken']);
  /** "blocker>blocked" and "muter>muted", in the order they were made (lists show newest first). */
  readonly blocks = new Set<string>();
  readonly mutes = new Set<string>();
  readonly reports: Report[] = [];

  private seq = { post: 0, comment: 0, notification: 0, conversation: 0, message: 0, revision: 0 };
  private readonly now = Date.now();

  constructor() {
    this.seed();
  }

  /** Answer like HttpClient would: an observable, after the configured latency. */
  respond<T>(work: () => T): Observable<T> {
    const result = defer(() => {
      try {
        return of(work());
      } catch (error) {
        return throwError(() => error);
      }
    });
    return this.latency > 0 ? result.pipe(delay(this.latency)) : result;
  }

  push(frame: Omit<ServerFrame, 'id'>, stored = false): void {
    this.frames.next({ ...frame, id: stored ? ++this.eventSeq : null } as ServerFrame);
  }

  /* ---------- reading ---------- */

  user(username: string): MockUser {
    const user = this.users.get(username.toLowerCase());
    if (!user) throw httpError(404, 'not_found', 'That user does not exist.');
    return user;
  }

  summary(username: string): UserSummary {
    const u = this.user(username);
    return { username: u.username, display_name: u.display_name, avatar_url: u.avatar_url };
  }

  /** A person in a list of people (followers, following, search), as `viewer` sees them. */
  listItem(username: string, viewer: string | null): UserListItem {
    const u = this.user(username);
    return { ...this.summary(username), bio: u.bio, is_following: !!viewer && this.isFollowing(viewer, u.username) };
  }

  isFollowing(a: string, b: string): boolean {
    return this.follows.has(`${a}>${b}`);
  }

  /** A block stands between two people, either way. */
  blockedBetween(a: string | null, b: string): boolean {
    return !!a && (this.blocks.has(`${a}>${b}`) || this.blocks.has(`${b}>${a}`));
  }

  /** What the viewer's feeds leave out: people blocked either way, and people they muted. */
  keepsAway(viewer: string | null, author: string): boolean {
    return this.blockedBetween(viewer, author) || (!!viewer && this.mutes.has(`${viewer}>${author}`));
  }

  /** A profile (or anything of theirs) the viewer may not see: its owner blocked the viewer. */
  userFor(username: string, viewer: string | null): MockUser {
    const user = this.user(username);
    if (viewer && this.blocks.has(`${user.username}>${viewer}`)) throw httpError(404, 'not_found', 'That user does not exist.');
    return user;
  }

  postObject(p: StoredPost, viewer: string | null): Post {
    const byKind = this.reactions.get(p.id) ?? new Map<ReactionKind, Set<string>>();
    // Every kind, 0 included, as the server sends them.
    const reactions = Object.fromEntries(REACTION_KINDS.map((kind) => [kind, byKind.get(kind)?.size ?? 0])) as ReactionCounts;
    const mine: ReactionKind[] = [];
    for (const kind of REACTION_KINDS) {
      const who = byKind.get(kind);
      if (viewer && who?.has(viewer)) mine.push(kind);
    }
    return {
      id: p.id,
      author: this.summary(p.author),
      body: p.body,
      body_html: mockMarkdown(p.body),
      tags: p.tags,
      created_at: p.created_at,
      edited_at: p.edited_at,
      comments_count: this.comments.filter((c) => c.post_id === p.id).length,
      reactions,
      my_reactions: mine,
      bookmarked: !!viewer && this.bookmarks.some((b) => b.user === viewer && b.postId === p.id),
      url: `/p/${p.id}`,
      pinned: !!p.pinned_at,
      draft: !!p.draft,
    };
  }

  /** The viewer's own draft, or 404 as the server answers anyone else. */
  storedDraft(id: number, viewer: string | null): StoredPost {
    const draft = this.drafts.find((d) => d.id === id && d.author === viewer);
    if (!draft) throw httpError(404, 'not_found', 'That post does not exist.');
    return draft;
  }

  addDraft(author: string, body: string, tags: string[] = []): StoredPost {
    const all = [...new Set([...tags.map((t) => t.toLowerCase()), ...tagsIn(body)])].slice(0, 5);
    const draft: StoredPost = { id: ++this.seq.post, author, body, tags: all, created_at: new Date().toISOString(), edited_at: null, draft: true };
    this.drafts.unshift(draft);
    return draft;
  }

  /** A draft goes public: its time is now, so it leads the feeds. */
  publishDraft(draft: StoredPost): StoredPost {
    this.drafts.splice(this.drafts.indexOf(draft), 1);
    const post: StoredPost = { ...draft, draft: false, created_at: new Date().toISOString(), edited_at: null };
    this.posts.unshift(post);
    return post;
  }

  addRevision(post: StoredPost): void {
    this.revisions.unshift({ id: ++this.seq.revision, post_id: post.id, body: post.body, edited_at: post.edited_at ?? post.created_at });
  }

  storedPost(id: number): StoredPost {
    const post = this.posts.find((p) => p.id === id);
    if (!post) throw httpError(404, 'not_found', 'That post does not exist.');
    return post;
  }

  commentObject(c: StoredComment): Comment {
    return { ...c, author: this.summary(c.author), body_html: c.deleted ? '' : mockMarkdown(c.body), deleted: !!c.deleted };
  }

  storedComment(id: number): StoredComment {
    const comment = this.comments.find((c) => c.id === id);
    if (!comment) throw httpError(404, 'not_found', 'That comment does not exist.');
    return comment;
  }

  notificationObject(n: StoredNotification): AppNotification {
    const { recipient: _recipient, actor, ...rest } = n;
    return { ...rest, actor: this.summary(actor) };
  }

  /** GET /conversations/{id}: the conversation, with how far the others have read it. */
  conversationDetail(c: StoredConversation, viewer: string): ConversationDetail {
    const marks: Record<string, number> = {};
    for (const member of c.members) {
      if (member !== viewer && !this.blockedBetween(viewer, member)) marks[member] = c.lastRead[member] ?? 0;
    }
    return { ...this.conversationObject(c, viewer), read_marks: marks };
  }

  conversationObject(c: StoredConversation, viewer: string): Conversation {
    const msgs = this.messages.filter((m) => m.conversation_id === c.id);
    const lastRead = c.lastRead[viewer] ?? 0;
    return {
      id: c.id,
      participants: c.members.map((m) => ({ ...this.summary(m), online: this.online.has(m) })),
      last_message: msgs[msgs.length - 1] ?? null,
      unread_count: msgs.filter((m) => m.id > lastRead && m.sender.username !== viewer).length,
      updated_at: c.updated_at,
    };
  }

  storedConversation(id: number, viewer: string): StoredConversation {
    const conversation = this.conversations.find((c) => c.id === id && c.members.includes(viewer));
    if (!conversation) throw httpError(404, 'not_found', 'That conversation does not exist.');
    return conversation;
  }

  /* ---------- writing ---------- */

  addPost(author: string, body: string, tags: string[] = [], at = new Date().toISOString()): StoredPost {
    const all = [...new Set([...tags.map((t) => t.toLowerCase()), ...tagsIn(body)])].slice(0, 5);
    const post: StoredPost = { id: ++this.seq.post, author, body, tags: all, created_at: at, edited_at: null };
    this.posts.unshift(post);
    this.posts.sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
    return post;
  }

  addComment(postId: number, author: string, body: string, parentId: number | null, at = new Date().toISOString()): StoredComment {
    const comment: StoredComment = { id: ++this.seq.comment, post_id: postId, parent_id: parentId, author, body, created_at: at, edited_at: null };
    this.comments.push(comment);
    return comment;
  }

  notify(recipient: string, type: NotificationType, actor: string, extra: Partial<StoredNotification> = {}, at = new Date().toISOString()): StoredNotification | null {
    if (recipient === actor) return null;
    const n: StoredNotification = {
      id: ++this.seq.notification,
      recipient,
      type,
      actor,
      post_id: null,
      comment_id: null,
      conversation_id: null,
      created_at: at,
      read: false,
      ...extra,
    };
    this.notifications.unshift(n);
    return n;
  }

  addConversation(members: string[], at = new Date().toISOString()): StoredConversation {
    const c: StoredConversation = { id: ++this.seq.conversation, members, updated_at: at, lastRead: {} };
    this.conversations.push(c);
    return c;
  }

  addMessage(conversation: StoredConversation, sender: string, body: string, at = new Date().toISOString()): Message {
    const message: Message = { id: ++this.seq.message, conversation_id: conversation.id, sender: this.summary(sender), body, created_at: at };
    this.messages.push(message);
    conversation.updated_at = at;
    return message;
  }

  react(postId: number, user: string, kind: ReactionKind, on: boolean): void {
    let byKind = this.reactions.get(postId);
    if (!byKind) this.reactions.set(postId, (byKind = new Map()));
    let who = byKind.get(kind);
    if (!who) byKind.set(kind, (who = new Set()));
    if (on) who.add(user);
    else who.delete(user);
  }

  /* ---------- seed ---------- */

  private ago(minutes: number): string {
    return new Date(this.now - minutes * MINUTE).toISOString();
  }

  private seed(): void {
    PEOPLE.forEach(([username, name, bio, role], i) => {
      this.users.set(username, {
        username,
        display_name: name,
        avatar_url: `/avatars/${username}.svg`,
        email: `${username}@devthread.example`,
        role,
        bio,
        location: ['London', 'Arlington', 'Helsinki', 'Boston', 'Manchester', 'Cambridge', 'Murray Hill', 'Summit'][i],
        website: '',
        dm_policy: 'everyone',
        suspended: false,
        two_factor: username === 'grace',
        has_password: true,
        email_verified: true,
        pending_email: null,
        locale: null,
        time_zone: null,
        created_at: this.ago(60 * 24 * (400 - i * 20)),
        password: MOCK_PASSWORD,
      });
    });
    const names = PEOPLE.map((p) => p[0]);
    for (const [a, b] of [
      ['ada', 'grace'], ['ada', 'linus'], ['ada', 'margaret'], ['ada', 'alan'],
      ['grace', 'ada'], ['linus', 'ada'], ['alan', 'ada'], ['barbara', 'ada'],
      ['ken', 'dennis'], ['dennis', 'ken'], ['grace', 'margaret'], ['margaret', 'grace'],
    ]) {
      this.follows.add(`${a}>${b}`);
    }
    // 45 posts, one every ~47 minutes, authors and bodies cycling.
    for (let i = 44; i >= 0; i--) {
      const author = names[(i * 3) % names.length];
      const body = POST_BODIES[i % POST_BODIES.length] + (i >= POST_BODIES.length ? ` (take ${Math.floor(i / POST_BODIES.length) + 1})` : '');
      const post = this.addPost(author, body, [], this.ago(i * 47 + 3));
      names.forEach((name, j) => {
        if ((post.id * 7 + j * 3) % 5 === 0) this.react(post.id, name, REACTION_KINDS[(post.id + j) % 5], true);
      });
    }
    const newest = this.posts[0];
    const c1 = this.addComment(newest.id, 'grace', 'Keyset pagination is the way. Did you add an index on both columns?', null, this.ago(2));
    this.addComment(newest.id, newest.author === 'ada' ? 'linus' : 'ada', 'Yes, a composite index `(created_at DESC, id DESC)`.', c1.id, this.ago(1));
    this.addComment(newest.id, 'alan', 'Nice numbers. What about the count query?', null, this.ago(1));
    this.bookmarks.push({ user: 'ada', postId: this.posts[3].id, at: this.now - 10 * MINUTE });
    this.bookmarks.push({ user: 'ada', postId: this.posts[7].id, at: this.now - 20 * MINUTE });

    this.notify('ada', 'follow', 'barbara', {}, this.ago(5));
    this.notify('ada', 'reaction', 'grace', { post_id: this.posts.find((p) => p.author === 'ada')?.id ?? null }, this.ago(30));
    this.notify('ada', 'mention', 'linus', { post_id: this.posts[2].id }, this.ago(90));
    const n = this.notify('ada', 'comment', 'alan', { post_id: newest.id }, this.ago(200));
    if (n) n.read = true;

    const withGrace = this.addConversation(['ada', 'grace'], this.ago(50));
    this.addMessage(withGrace, 'grace', 'Did you see the new compiler flags?', this.ago(50));
    this.addMessage(withGrace, 'ada', 'Yes! The optimizer is much smarter now.', this.ago(45));
    this.addMessage(withGrace, 'grace', 'Want to review my patch tomorrow?', this.ago(12));
    withGrace.lastRead['ada'] = 2;
    withGrace.lastRead['grace'] = 3;
    const withLinus = this.addConversation(['ada', 'linus'], this.ago(600));
    this.addMessage(withLinus, 'linus', 'Thanks for the review.', this.ago(600));
    withLinus.lastRead['ada'] = this.messages[this.messages.length - 1].id;
    withLinus.updated_at = this.ago(600);
  }
}
