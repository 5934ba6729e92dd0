/** In-memory implementations of the data services, over MockDb. Same shapes and errors as the API. */
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';
import {
  AppNotification,
  Comment,
  Conversation,
  ConversationDetail,
  FeedKind,
  FollowedTag,
  MarkdownPreview,
  NotificationSettings,
  NotificationSettingsChange,
  Message,
  NewReport,
  Page,
  Post,
  PostDraft,
  PostPatch,
  Revision,
  PrivateUser,
  ProfilePatch,
  REACTION_KINDS,
  ReactionKind,
  ReactionState,
  Report,
  ReportTargetType,
  SearchResults,
  SearchType,
  SignIn,
  TagInfo,
  TagResult,
  TokenResponse,
  UnreadCount,
  UserListItem,
  UserProfile,
  UserSummary,
} from '../../core/models';
import { LIMITS, TAG_RE, USERNAME_RE, WEBSITE_SCHEME_RE, formatLimit } from '../../core/limits';
import { Session } from '../../core/session';
import {
  AuthService,
  FeedService,
  MessageService,
  NotificationService,
  PageRequest,
  PostService,
  SafetyService,
  SearchService,
  UserService,
} from '../services';
import { MOCK_TOTP_CODE, MockDb, MockUser, StoredPost, httpError, mockMarkdown, paginate } from './mock-db';
import { isLang } from '../../i18n';

/** The server's limit on pinned posts per person (409 beyond it). */
const PINS_MAX = 3;


function b64url(value: object): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function checkCommentBody(body: string): void {
  if (!body.trim()) throw httpError(422, 'validation_error', 'Some fields need attention.', { body: ['Write something first.'] });
  if (body.length > LIMITS.commentBodyMax) {
    const message = `Use at most ${formatLimit(LIMITS.commentBodyMax)} characters.`;
    throw httpError(422, 'validation_error', 'Some fields need attention.', { body: [message] });
  }
}

abstract class MockBase {
  protected readonly db = inject(MockDb);
  protected readonly session = inject(Session);

  protected viewer(): string | null {
    return this.session.user()?.username ?? null;
  }

  protected requireViewer(): string {
    const viewer = this.viewer();
    if (!viewer) throw httpError(401, 'unauthorized', 'Sign in first: this route needs an access token.');
    return viewer;
  }
}

function privateUser(u: MockUser): PrivateUser {
  const { password: _password, ...rest } = u;
  return { ...rest };
}

@Injectable()
export class MockAuthService extends MockBase implements AuthService {
  private tokenSeq = 0;
  private sessionSeq = 0;
  /** Each login is one sign-in (a session); its refresh tokens and access tokens name it. */
  private readonly refreshTokens = new Map<string, { user: string; used: boolean; sid: number }>();
  private readonly signIns = new Map<number, { user: string; created_at: string; last_seen_at: string }>();
  /** Sign-ins waiting for their second factor: mfa_token -> username. */
  private readonly pendingSignIns = new Map<string, string>();

  private issue(user: MockUser, sid?: number): TokenResponse {
    const now = new Date().toISOString();
    if (sid === undefined) {
      sid = ++this.sessionSeq;
      this.signIns.set(sid, { user: user.username, created_at: now, last_seen_at: now });
    } else {
      this.signIns.get(sid)!.last_seen_at = now;
    }
    const n = ++this.tokenSeq;
    const exp = Math.floor(Date.now() / 1000) + 900;
    const access = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: user.username, sid, exp, n })}.mock`;
    const refresh = `mock-refresh.${user.username}.${n}`;
    this.refreshTokens.set(refresh, { user: user.username, used: false, sid });
    return { user: privateUser(user), access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: 900 };
  }

  /** The sign-in the current access token names (the mock's stand-in for the `sid` claim). */
  private currentSid(): number | null {
    const token = this.session.accessToken();
    if (!token) return null;
    try {
      const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { sid?: number };
      return payload.sid ?? null;
    } catch {
      return null;
    }
  }

  private end(sid: number): void {
    this.signIns.delete(sid);
    for (const entry of this.refreshTokens.values()) if (entry.sid === sid) entry.used = true;
  }

  login(login: string, password: string): Observable<TokenResponse> {
    return this.db.respond(() => {
      const wanted = login.trim().toLowerCase();
      const user = [...this.db.users.values()].find((u) => u.username === wanted || u.email.toLowerCase() === wanted);
      if (!user || password !== user.password) throw httpError(401, 'unauthorized', 'Wrong username, email or password.');
      if (user.two_factor) {
        const token = `mock-mfa.${user.username}.${++this.tokenSeq}`;
        this.pendingSignIns.set(token, user.username);
        throw httpError(401, 'mfa_required', 'Type the code from your authenticator app.', undefined, undefined, { mfa_token: token });
      }
      return this.issue(user);
    });
  }

  loginSecondFactor(mfaToken: string, code: string): Observable<TokenResponse> {
    return this.db.respond(() => {
      const username = this.pendingSignIns.get(mfaToken);
      if (!username) throw httpError(401, 'unauthorized', 'This sign-in has expired or is not valid. Sign in again.');
      if (code.trim() !== MOCK_TOTP_CODE) {
        throw httpError(422, 'validation_error', 'Some fields need attention.', { code: ['That code is not right, or it was already used.'] });
      }
      this.pendingSignIns.delete(mfaToken);
      return this.issue(this.db.user(username));
    });
  }

  register(username: string, email: string, password: string): Observable<TokenResponse> {
    return this.db.respond(() => {
      const fields: Record<string, string[]> = {};
      if (!USERNAME_RE.test(username)) fields['username'] = ['Use 3 to 30 letters, digits or underscores.'];
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) fields['email'] = ['Enter a valid email address.'];
      if (password.length < LIMITS.passwordMin) fields['password'] = [`Use at least ${LIMITS.passwordMin} characters.`];
      if (Object.keys(fields).length) throw httpError(422, 'validation_error', 'Some fields need attention.', fields);
      const taken: Record<string, string[]> = {};
      if (this.db.users.has(username.toLowerCase())) taken['username'] = ['That username is taken.'];
      if ([...this.db.users.values()].some((u) => u.email.toLowerCase() === email.toLowerCase())) {
        taken['email'] = ['An account with that email exists.'];
      }
      if (Object.keys(taken).length) throw httpError(409, 'conflict', 'That account already exists.', taken);
      const user: MockUser = {
        username: username.toLowerCase() === username ? username : username,
        display_name: username,
        avatar_url: `/avatars/${username}.svg`,
        email,
        role: 'user',
        bio: '',
        location: '',
        website: '',
        dm_policy: 'everyone',
        suspended: false,
        two_factor: false,
        has_password: true,
        email_verified: false,
        pending_email: null,
        locale: null,
        time_zone: null,
        created_at: new Date().toISOString(),
        password,
      };
      this.db.users.set(username.toLowerCase(), user);
      return this.issue(user);
    });
  }

  refresh(refreshToken: string): Observable<TokenResponse> {
    return this.db.respond(() => {
      const entry = this.refreshTokens.get(refreshToken);
      if (!entry) throw httpError(401, 'unauthorized', 'The refresh token is not valid.');
      if (entry.used || !this.signIns.has(entry.sid)) {
        throw httpError(401, 'unauthorized', 'This refresh token was already used; the session has ended.');
      }
      entry.used = true;
      return this.issue(this.db.user(entry.user), entry.sid);
    });
  }

  logout(refreshToken: string): Observable<void> {
    return this.db.respond(() => {
      const entry = this.refreshTokens.get(refreshToken);
      if (entry) this.end(entry.sid);
    });
  }

  logoutAll(): Observable<void> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      for (const [sid, signIn] of this.signIns) if (signIn.user === viewer) this.end(sid);
    });
  }

  sessions(page?: PageRequest): Observable<Page<SignIn>> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const current = this.currentSid();
      const items: SignIn[] = [...this.signIns]
        .filter(([, signIn]) => signIn.user === viewer)
        .sort(([a], [b]) => b - a)
        .map(([id, signIn]) => ({
          id,
          kind: 'api',
          created_at: signIn.created_at,
          last_seen_at: signIn.last_seen_at,
          user_agent: 'DevThread web app (mock)',
          current: id === current,
        }));
      return paginate(items, (item) => item.id, page);
    });
  }

  endSession(id: number): Observable<void> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      // Another person's sign-in is as unknown as one that never existed.
      if (this.signIns.get(id)?.user !== viewer) throw httpError(404, 'not_found', 'You have no session with that id.');
      this.end(id);
    });
  }

  me(): Observable<PrivateUser> {
    return this.db.respond(() => privateUser(this.db.user(this.requireViewer())));
  }

  updateMe(patch: ProfilePatch): Observable<PrivateUser> {
    return this.db.respond(() => {
      const user = this.db.user(this.requireViewer());
      const fields: Record<string, string[]> = {};
      // Stored as the server stores it: with https:// in front when it names no scheme.
      const website = patch.website && !WEBSITE_SCHEME_RE.test(patch.website) ? `https://${patch.website}` : patch.website;
      const changes = { ...patch, website };
      const lengths: [keyof ProfilePatch, number][] = [
        ['display_name', LIMITS.displayNameMax],
        ['bio', LIMITS.bioMax],
        ['location', LIMITS.locationMax],
        ['website', LIMITS.websiteMax],
      ];
      for (const [name, max] of lengths) {
        if ((changes[name]?.length ?? 0) > max) fields[name] = [`Use at most ${max} characters.`];
      }
      if (website && !/^https?:\/\/\S+$/.test(website)) fields['website'] = ['Use an http:// or https:// address.'];
      if (patch.locale != null && !isLang(patch.locale)) fields['locale'] = ['Choose English, German or Spanish.'];
      if (Object.keys(fields).length) throw httpError(422, 'validation_error', 'Some fields need attention.', fields);
      // A field left out or null stays as it is.
      Object.assign(user, Object.fromEntries(Object.entries(changes).filter(([, value]) => value != null)));
      return privateUser(user);
    });
  }
}

function trendingScore(post: Post, now: number): number {
  const engagement = Object.values(post.reactions).reduce((a, b) => a + b, 0) + 2 * post.comments_count;
  const hours = (now - Date.parse(post.created_at)) / 3_600_000;
  return (engagement + 1) / Math.pow(hours + 2, 1.5);
}

@Injectable()
export class MockFeedService extends MockBase implements FeedService {
  feed(kind: FeedKind, page?: PageRequest): Observable<Page<Post>> {
    return this.db.respond(() => {
      const viewer = kind === 'home' ? this.requireViewer() : this.viewer();
      let posts = this.db.posts.filter((p) => !this.db.keepsAway(viewer, p.author)).map((p) => this.db.postObject(p, viewer));
      if (kind === 'home') {
        posts = posts.filter(
          (p) =>
            p.author.username === viewer ||
            this.db.isFollowing(viewer!, p.author.username) ||
            p.tags.some((t) => this.followed.has(`${viewer}>${t}`)),
        );
      }
      if (kind === 'trending') {
        const now = Date.now();
        const scored = posts.map((p) => ({ p, s: trendingScore(p, now) }));
        scored.sort((a, b) => b.s - a.s || b.p.id - a.p.id);
        posts = scored.map((x) => x.p);
      }
      return paginate(posts, (p) => p.id, page);
    });
  }

  tagPosts(tag: string, page?: PageRequest): Observable<Page<Post>> {
    return this.db.respond(() => {
      const viewer = this.viewer();
      const posts = this.db.posts
        .filter((p) => p.tags.includes(tag.toLowerCase()) && !this.db.keepsAway(viewer, p.author))
        .map((p) => this.db.postObject(p, viewer));
      return paginate(posts, (p) => p.id, page);
    });
  }

  /** Who follows which tag, as "username>tag", kept with this MockDb (a test's own). */
  private get followed(): Set<string> {
    let set = FOLLOWED_TAGS.get(this.db);
    if (!set) FOLLOWED_TAGS.set(this.db, (set = new Set<string>()));
    return set;
  }

  private existingTag(tag: string): string {
    const name = tag.toLowerCase();
    if (!this.db.posts.some((p) => p.tags.includes(name))) {
      throw httpError(404, 'not_found', `Nothing is tagged #${name} yet.`);
    }
    return name;
  }

  private postsCount(name: string): number {
    return this.db.posts.filter((p) => p.tags.includes(name)).length;
  }

  tag(tag: string): Observable<TagInfo> {
    return this.db.respond(() => {
      const name = this.existingTag(tag);
      const viewer = this.viewer();
      const following = !!viewer && this.followed.has(`${viewer}>${name}`);
      return { name, posts_count: this.postsCount(name), following };
    });
  }

  followTag(tag: string): Observable<void> {
    return this.db.respond(() => {
      this.followed.add(`${this.requireViewer()}>${this.existingTag(tag)}`);
    });
  }

  unfollowTag(tag: string): Observable<void> {
    return this.db.respond(() => {
      this.followed.delete(`${this.requireViewer()}>${this.existingTag(tag)}`);
    });
  }

  followedTags(page?: PageRequest): Observable<Page<FollowedTag>> {
    return this.db.respond(() => {
      const prefix = `${this.requireViewer()}>`;
      const names = [...this.followed].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
      const items = names.reverse().map((name) => ({ name, posts_count: this.postsCount(name) }));
      return paginate(items, (t) => t.name, page);
    });
  }
}

@Injectable()
export class MockPostService extends MockBase implements PostService {
  /** As the API does: a comment by someone blocked (either way) is a bare placeholder. */
  private commentFor(c: Parameters<MockDb['commentObject']>[0], viewer: string | null): Comment {
    if (!this.db.blockedBetween(viewer, c.author)) return this.db.commentObject(c);
    const nobody = { username: '', display_name: '', avatar_url: '' };
    return { ...this.db.commentObject(c), author: nobody, body: '', body_html: '', edited_at: null, deleted: true, hidden: true };
  }

  get(id: number): Observable<Post> {
    return this.db.respond(() => this.db.postObject(this.ownOrPublic(id), this.viewer()));
  }

  /** A post, or the viewer's own draft (anyone else's is 404). */
  private ownOrPublic(id: number): StoredPost {
    return this.db.posts.find((p) => p.id === id) ?? this.db.storedDraft(id, this.viewer());
  }

  private check(draft: PostDraft | PostPatch): void {
    const fields: Record<string, string[]> = {};
    if (draft.body != null && (draft.body.trim().length < 1 || draft.body.length > LIMITS.postBodyMax)) {
      fields['body'] = [`Write between 1 and ${formatLimit(LIMITS.postBodyMax)} characters.`];
    }
    if (draft.tags && (draft.tags.length > LIMITS.tagsMax || draft.tags.some((t) => !TAG_RE.test(t)))) {
      fields['tags'] = [`Up to ${LIMITS.tagsMax} tags of 1 to ${LIMITS.tagMax} lower-case letters, digits, - or _.`];
    }
    if (Object.keys(fields).length) throw httpError(422, 'validation_error', 'Some fields need attention.', fields);
  }

  create(draft: PostDraft): Observable<Post> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      this.check(draft);
      if (draft.draft) return this.db.postObject(this.db.addDraft(viewer, draft.body, draft.tags ?? []), viewer);
      return this.db.postObject(this.db.addPost(viewer, draft.body, draft.tags ?? []), viewer);
    });
  }

  update(id: number, draft: PostPatch): Observable<Post> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const post = this.ownOrPublic(id);
      if (post.author !== viewer) throw httpError(403, 'forbidden', 'Only the author can edit this post.');
      this.check(draft);
      // The edit history keeps the body an edit of a published post replaces.
      if (!post.draft && draft.body != null && draft.body !== post.body) this.db.addRevision(post);
      // A field left out or null is left as it is (the server's PATCH).
      if (draft.body != null) post.body = draft.body;
      if (draft.tags != null) post.tags = draft.tags;
      post.edited_at = new Date().toISOString();
      return this.db.postObject(post, viewer);
    });
  }

  remove(id: number): Observable<void> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const own = this.db.drafts.find((d) => d.id === id && d.author === viewer);
      if (own) {
        this.db.drafts.splice(this.db.drafts.indexOf(own), 1);
        return;
      }
      const post = this.db.storedPost(id);
      const role = this.db.user(viewer).role;
      if (post.author !== viewer && role === 'user') throw httpError(403, 'forbidden', 'You may not delete this post.');
      this.db.posts.splice(this.db.posts.indexOf(post), 1);
    });
  }

  private reactionState(id: number, viewer: string): ReactionState {
    const post = this.db.postObject(this.db.storedPost(id), viewer);
    return { reactions: post.reactions, my_reactions: post.my_reactions };
  }

  react(id: number, kind: ReactionKind): Observable<ReactionState> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      if (!REACTION_KINDS.includes(kind)) throw httpError(404, 'not_found', 'Unknown reaction.');
      this.db.storedPost(id);
      this.db.react(id, viewer, kind, true);
      return this.reactionState(id, viewer);
    });
  }

  unreact(id: number, kind: ReactionKind): Observable<ReactionState> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      this.db.storedPost(id);
      this.db.react(id, viewer, kind, false);
      return this.reactionState(id, viewer);
    });
  }

  comments(postId: number, page?: PageRequest): Observable<Page<Comment>> {
    return this.db.respond(() => {
      this.db.storedPost(postId);
      const viewer = this.viewer();
      const list = this.db.comments.filter((c) => c.post_id === postId).map((c) => this.commentFor(c, viewer));
      return paginate(list, (c) => c.id, page);
    });
  }

  addComment(postId: number, body: string, parentId?: number | null): Observable<Comment> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const post = this.db.storedPost(postId);
      checkCommentBody(body);
      if (parentId) {
        const parent = this.db.storedComment(parentId);
        if (parent.post_id !== postId) throw httpError(422, 'validation_error', 'Some fields need attention.', { parent_id: ['Reply to a comment of this post.'] });
      }
      const comment = this.db.addComment(postId, viewer, body, parentId ?? null);
      this.db.notify(post.author, parentId ? 'reply' : 'comment', viewer, { post_id: postId, comment_id: comment.id });
      return this.db.commentObject(comment);
    });
  }

  editComment(id: number, body: string): Observable<Comment> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const comment = this.db.storedComment(id);
      if (comment.author !== viewer) throw httpError(403, 'forbidden', 'Only the author can edit this comment.');
      checkCommentBody(body);
      comment.body = body;
      comment.edited_at = new Date().toISOString();
      return this.db.commentObject(comment);
    });
  }

  removeComment(id: number): Observable<void> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const comment = this.db.storedComment(id);
      if (comment.author !== viewer && this.db.user(viewer).role === 'user') throw httpError(403, 'forbidden', 'You may not delete this comment.');
      // As the API does: a comment with replies keeps its place, without words.
      if (this.db.comments.some((c) => c.parent_id === id)) Object.assign(comment, { body: '', deleted: true });
      else this.db.comments.splice(this.db.comments.indexOf(comment), 1);
    });
  }

  bookmark(id: number): Observable<void> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      this.db.storedPost(id);
      if (!this.db.bookmarks.some((b) => b.user === viewer && b.postId === id)) {
        this.db.bookmarks.push({ user: viewer, postId: id, at: Date.now() });
      }
    });
  }

  unbookmark(id: number): Observable<void> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const index = this.db.bookmarks.findIndex((b) => b.user === viewer && b.postId === id);
      if (index >= 0) this.db.bookmarks.splice(index, 1);
    });
  }

  bookmarks(page?: PageRequest): Observable<Page<Post>> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const list = this.db.bookmarks
        .filter((b) => b.user === viewer)
        .sort((a, b) => b.at - a.at)
        .flatMap((b) => {
          const p = this.db.posts.find((x) => x.id === b.postId);
          return p ? [this.db.postObject(p, viewer)] : [];
        });
      return paginate(list, (p) => p.id, page);
    });
  }

  drafts(page?: PageRequest): Observable<Page<Post>> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const list = this.db.drafts.filter((d) => d.author === viewer).map((d) => this.db.postObject(d, viewer));
      return paginate(list, (p) => p.id, page);
    });
  }

  publish(id: number): Observable<Post> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const published = this.db.posts.find((p) => p.id === id && p.author === viewer);
      if (published) return this.db.postObject(published, viewer);
      return this.db.postObject(this.db.publishDraft(this.db.storedDraft(id, viewer)), viewer);
    });
  }

  revisions(id: number, page?: PageRequest): Observable<Page<Revision>> {
    return this.db.respond(() => {
      const post = this.db.storedPost(id);
      if (this.db.blockedBetween(this.viewer(), post.author)) throw httpError(404, 'not_found', 'That post does not exist.');
      const list = this.db.revisions.filter((r) => r.post_id === id);
      const found = paginate(list, (r) => r.id, page);
      return { items: found.items.map(({ body, edited_at }) => ({ body, edited_at })), next_cursor: found.next_cursor };
    });
  }

  pin(id: number): Observable<void> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const post = this.db.storedPost(id);
      if (post.author !== viewer) throw httpError(403, 'forbidden', 'Only the author can pin this post.');
      if (post.pinned_at) return;
      const pinned = this.db.posts.filter((p) => p.author === viewer && p.pinned_at).length;
      if (pinned >= PINS_MAX) throw httpError(409, 'conflict', `You can pin at most ${PINS_MAX} posts: unpin one first.`);
      post.pinned_at = new Date().toISOString();
    });
  }

  unpin(id: number): Observable<void> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const post = this.db.storedPost(id);
      if (post.author !== viewer) throw httpError(403, 'forbidden', 'Only the author can unpin this post.');
      post.pinned_at = null;
    });
  }

  previewMarkdown(body: string): Observable<MarkdownPreview> {
    return this.db.respond(() => ({ html: mockMarkdown(body) }));
  }
}

@Injectable()
export class MockUserService extends MockBase implements UserService {
  profile(username: string): Observable<UserProfile> {
    return this.db.respond(() => {
      const viewer = this.viewer();
      const u = this.db.userFor(username, viewer);
      const all = [...this.db.follows];
      return {
        username: u.username,
        display_name: u.display_name,
        bio: u.bio,
        location: u.location,
        website: u.website,
        avatar_url: u.avatar_url,
        created_at: u.created_at,
        followers_count: all.filter((f) => f.endsWith(`>${u.username}`)).length,
        following_count: all.filter((f) => f.startsWith(`${u.username}>`)).length,
        posts_count: this.db.posts.filter((p) => p.author === u.username).length,
        online: this.db.online.has(u.username),
        is_following: !!viewer && this.db.isFollowing(viewer, u.username),
        follows_you: !!viewer && this.db.isFollowing(u.username, viewer),
      };
    });
  }

  follow(username: string): Observable<void> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const u = this.db.userFor(username, viewer);
      if (u.username === viewer) throw httpError(422, 'validation_error', 'You cannot follow yourself.', { username: ['You cannot follow yourself.'] });
      if (this.db.blockedBetween(viewer, u.username)) throw httpError(403, 'forbidden', 'You cannot follow this person.');
      if (!this.db.isFollowing(viewer, u.username)) {
        this.db.follows.add(`${viewer}>${u.username}`);
        this.db.notify(u.username, 'follow', viewer);
      }
    });
  }

  unfollow(username: string): Observable<void> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      this.db.follows.delete(`${viewer}>${this.db.user(username).username}`);
    });
  }

  private list(username: string, side: 'followers' | 'following', page?: PageRequest): Page<UserListItem> {
    const u = this.db.user(username).username;
    const names = [...this.db.follows]
      .map((f) => f.split('>'))
      .filter(([a, b]) => (side === 'followers' ? b === u : a === u))
      .map(([a, b]) => (side === 'followers' ? a : b));
    const viewer = this.viewer();
    return paginate(names.map((n) => this.db.listItem(n, viewer)), (s) => s.username, page);
  }

  followers(username: string, page?: PageRequest): Observable<Page<UserListItem>> {
    return this.db.respond(() => this.list(username, 'followers', page));
  }

  following(username: string, page?: PageRequest): Observable<Page<UserListItem>> {
    return this.db.respond(() => this.list(username, 'following', page));
  }

  posts(username: string, page?: PageRequest): Observable<Page<Post>> {
    return this.db.respond(() => {
      const viewer = this.viewer();
      const u = this.db.userFor(username, viewer).username;
      const theirs = this.db.posts.filter((p) => p.author === u && !this.db.blockedBetween(viewer, u));
      // Pinned posts first (last pinned first), then the rest newest first: each once.
      const pinned = theirs.filter((p) => p.pinned_at).sort((a, b) => b.pinned_at!.localeCompare(a.pinned_at!));
      const list = [...pinned, ...theirs.filter((p) => !p.pinned_at)].map((p) => this.db.postObject(p, viewer));
      return paginate(list, (p) => p.id, page);
    });
  }
}

@Injectable()
export class MockNotificationService extends MockBase implements NotificationService {
  list(page?: PageRequest): Observable<Page<AppNotification>> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const list = this.db.notifications.filter((n) => n.recipient === viewer).map((n) => this.db.notificationObject(n));
      return paginate(list, (n) => n.id, page);
    });
  }

  unreadCount(): Observable<UnreadCount> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      return { count: this.db.notifications.filter((n) => n.recipient === viewer && !n.read).length };
    });
  }

  markRead(ids?: number[]): Observable<void> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      for (const n of this.db.notifications) {
        if (n.recipient === viewer && (!ids || ids.includes(n.id))) n.read = true;
      }
      this.db.unreadChanged.next();
    });
  }

  private get stored(): Map<string, NotificationSettings> {
    let map = NOTIFICATION_SETTINGS.get(this.db);
    if (!map) NOTIFICATION_SETTINGS.set(this.db, (map = new Map()));
    return map;
  }

  private current(viewer: string): NotificationSettings {
    const types = Object.fromEntries(
      NOTIFICATION_SETTING_TYPES.map((t) => [t, { web: true, email: false }]),
    ) as NotificationSettings['types'];
    return this.stored.get(viewer) ?? { types, digest: 'off' };
  }

  settings(): Observable<NotificationSettings> {
    return this.db.respond(() => structuredClone(this.current(this.requireViewer())));
  }

  updateSettings(change: NotificationSettingsChange): Observable<NotificationSettings> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const next = structuredClone(this.current(viewer));
      for (const [type, value] of Object.entries(change.types ?? {})) {
        if (!(NOTIFICATION_SETTING_TYPES as readonly string[]).includes(type)) {
          throw httpError(422, 'validation_error', 'These settings are not valid.', { types: [`Unknown notification type: ${type}`] });
        }
        const key = type as keyof NotificationSettings['types'];
        next.types[key] = { ...next.types[key]!, ...Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v != null)) };
      }
      if (change.digest != null) {
        if (!['off', 'daily', 'weekly'].includes(change.digest)) {
          throw httpError(422, 'validation_error', 'These settings are not valid.', { digest: ['Choose off, daily or weekly.'] });
        }
        next.digest = change.digest;
      }
      this.stored.set(viewer, next);
      return structuredClone(next);
    });
  }
}

const FOLLOWED_TAGS = new WeakMap<MockDb, Set<string>>();
const NOTIFICATION_SETTINGS = new WeakMap<MockDb, Map<string, NotificationSettings>>();
const NOTIFICATION_SETTING_TYPES = ['follow', 'reaction', 'comment', 'reply', 'mention', 'message'] as const;

const REPORT_TARGETS: readonly ReportTargetType[] = ['post', 'comment', 'user'];

@Injectable()
export class MockSafetyService extends MockBase implements SafetyService {
  private other(username: string, yourself: string): { viewer: string; other: string } {
    const viewer = this.requireViewer();
    const other = this.db.user(username).username;
    if (other === viewer) throw httpError(422, 'validation_error', yourself, { username: [yourself] });
    return { viewer, other };
  }

  block(username: string): Observable<void> {
    return this.db.respond(() => {
      const { viewer, other } = this.other(username, 'You cannot block yourself.');
      if (this.db.blocks.has(`${viewer}>${other}`)) return;
      this.db.blocks.add(`${viewer}>${other}`);
      // As the server does: follows between you end, both ways.
      this.db.follows.delete(`${viewer}>${other}`);
      this.db.follows.delete(`${other}>${viewer}`);
    });
  }

  unblock(username: string): Observable<void> {
    return this.db.respond(() => {
      this.db.blocks.delete(`${this.requireViewer()}>${this.db.user(username).username}`);
    });
  }

  mute(username: string): Observable<void> {
    return this.db.respond(() => {
      const { viewer, other } = this.other(username, 'You cannot mute yourself.');
      this.db.mutes.add(`${viewer}>${other}`);
    });
  }

  unmute(username: string): Observable<void> {
    return this.db.respond(() => {
      this.db.mutes.delete(`${this.requireViewer()}>${this.db.user(username).username}`);
    });
  }

  private people(set: Set<string>, page?: PageRequest): Page<UserSummary> {
    const viewer = this.requireViewer();
    const names = [...set]
      .map((pair) => pair.split('>'))
      .filter(([owner]) => owner === viewer)
      .map(([, other]) => other)
      .reverse();
    return paginate(names.map((n) => this.db.summary(n)), (u) => u.username, page);
  }

  blocked(page?: PageRequest): Observable<Page<UserSummary>> {
    return this.db.respond(() => this.people(this.db.blocks, page));
  }

  muted(page?: PageRequest): Observable<Page<UserSummary>> {
    return this.db.respond(() => this.people(this.db.mutes, page));
  }

  report(report: NewReport): Observable<Report> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const fields: Record<string, string[]> = {};
      if (!REPORT_TARGETS.includes(report.target_type)) fields['target_type'] = [`Choose one of: ${REPORT_TARGETS.join(', ')}.`];
      if (!LIMITS.reportReasons.includes(report.reason)) fields['reason'] = [`Choose one of: ${LIMITS.reportReasons.join(', ')}.`];
      const note = (report.note ?? '').trim();
      if (note.length > LIMITS.reportNoteMax) fields['note'] = [`Use at most ${LIMITS.reportNoteMax} characters.`];
      if (Object.keys(fields).length) throw httpError(422, 'validation_error', 'Some fields need attention.', fields);
      const owner =
        report.target_type === 'user'
          ? this.db.userFor(String(report.target_id), viewer).username
          : report.target_type === 'post'
            ? this.db.storedPost(Number(report.target_id)).author
            : this.db.storedComment(Number(report.target_id)).author;
      if (owner === viewer) {
        const message = 'You cannot report yourself or your own words.';
        throw httpError(422, 'validation_error', message, { target_id: [message] });
      }
      const stored: Report = {
        id: this.db.reports.length + 1,
        target_type: report.target_type,
        // The server answers with the target's id, a person's too (the mock numbers people in order).
        target_id: report.target_type === 'user' ? [...this.db.users.keys()].indexOf(owner) + 1 : Number(report.target_id),
        reason: report.reason,
        note,
        status: 'open',
        created_at: new Date().toISOString(),
      };
      this.db.reports.push(stored);
      return stored;
    });
  }
}

const CANNED_REPLIES = [
  'Sounds good to me!',
  'Let me check and get back to you.',
  'Ha, exactly what I was thinking.',
  'Can you send the link to the PR?',
];

@Injectable()
export class MockMessageService extends MockBase implements MessageService {
  private replies = 0;

  conversations(page?: PageRequest): Observable<Page<Conversation>> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const list = this.db.conversations
        .filter((c) => c.members.includes(viewer))
        .sort((a, b) => b.updated_at.localeCompare(a.updated_at))
        .map((c) => this.db.conversationObject(c, viewer));
      return paginate(list, (c) => c.id, page);
    });
  }

  conversation(id: number): Observable<ConversationDetail> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      return this.db.conversationDetail(this.db.storedConversation(id, viewer), viewer);
    });
  }

  open(username: string): Observable<Conversation> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const other = this.db.user(username).username;
      if (other === viewer) throw httpError(422, 'validation_error', 'You cannot message yourself.', { username: ['You cannot message yourself.'] });
      if (this.db.blockedBetween(viewer, other)) throw httpError(403, 'forbidden', 'You cannot message this person.');
      const existing = this.db.conversations.find((c) => c.members.length === 2 && c.members.includes(viewer) && c.members.includes(other));
      return this.db.conversationObject(existing ?? this.db.addConversation([viewer, other]), viewer);
    });
  }

  messages(conversationId: number, page?: PageRequest): Observable<Page<Message>> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      this.db.storedConversation(conversationId, viewer);
      const list = this.db.messages.filter((m) => m.conversation_id === conversationId).reverse();
      return paginate(list, (m) => m.id, page);
    });
  }

  send(conversationId: number, body: string): Observable<Message> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const conversation = this.db.storedConversation(conversationId, viewer);
      if (!body.trim() || body.length > LIMITS.messageBodyMax) {
        const message = `Write between 1 and ${formatLimit(LIMITS.messageBodyMax)} characters.`;
        throw httpError(422, 'validation_error', 'Some fields need attention.', { body: [message] });
      }
      const message = this.db.addMessage(conversation, viewer, body);
      conversation.lastRead[viewer] = message.id;
      this.scheduleReply(conversation.id, conversation.members.find((m) => m !== viewer));
      return message;
    });
  }

  markRead(conversationId: number): Observable<void> {
    return this.db.respond(() => {
      const viewer = this.requireViewer();
      const conversation = this.db.storedConversation(conversationId, viewer);
      const last = this.db.messages.filter((m) => m.conversation_id === conversationId).pop();
      if (last) conversation.lastRead[viewer] = last.id;
      this.db.unreadChanged.next();
    });
  }

  /** Mock mode only: the partner "types" and answers over the mock socket. */
  private scheduleReply(conversationId: number, partner: string | undefined): void {
    if (!partner || this.db.latency === 0) return;
    setTimeout(() => {
      // The partner reads first (the "Seen" mark), then types.
      const conversation = this.db.conversations.find((c) => c.id === conversationId);
      const newest = this.db.messages.filter((m) => m.conversation_id === conversationId).pop();
      if (conversation && newest) {
        conversation.lastRead[partner] = newest.id;
        this.db.push({ type: 'read', data: { conversation_id: conversationId, username: partner, last_read_message_id: newest.id } });
      }
    }, 500);
    setTimeout(() => this.db.push({ type: 'typing', data: { conversation_id: conversationId, username: partner } }), 900);
    setTimeout(() => {
      const conversation = this.db.conversations.find((c) => c.id === conversationId);
      if (!conversation) return;
      const reply = this.db.addMessage(conversation, partner, CANNED_REPLIES[this.replies++ % CANNED_REPLIES.length]);
      this.db.push({ type: 'message', data: reply }, true);
    }, 2600);
  }
}

@Injectable()
export class MockSearchService extends MockBase implements SearchService {
  search<T extends SearchType>(q: string, type: T, page?: PageRequest): Observable<Page<SearchResults[T]>> {
    return this.db.respond(() => {
      const words = q.toLowerCase().split(/\s+/).filter(Boolean);
      const include = words.filter((w) => !w.startsWith('-'));
      const exclude = words.filter((w) => w.startsWith('-') && w.length > 1).map((w) => w.slice(1));
      const matches = (text: string) => {
        const t = text.toLowerCase();
        return include.every((w) => t.includes(w)) && !exclude.some((w) => t.includes(w));
      };
      let items: unknown[];
      if (type === 'users') {
        items = [...this.db.users.values()]
          .filter((u) => matches(`${u.username} ${u.display_name} ${u.bio}`))
          .map((u) => this.db.listItem(u.username, this.viewer()));
        return paginate(items as UserListItem[], (u) => u.username, page) as Page<SearchResults[T]>;
      }
      if (type === 'tags') {
        const counts = new Map<string, number>();
        for (const p of this.db.posts) for (const t of p.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
        items = [...counts.entries()]
          .filter(([name]) => include.every((w) => name.includes(w.replace(/^#/, ''))))
          .sort((a, b) => b[1] - a[1])
          .map(([name, posts_count]): TagResult => ({ name, posts_count }));
        return paginate(items as TagResult[], (t) => t.name, page) as Page<SearchResults[T]>;
      }
      const viewer = this.viewer();
      items = this.db.posts.filter((p) => matches(p.body)).map((p) => this.db.postObject(p, viewer));
      return paginate(items as Post[], (p) => p.id, page) as Page<SearchResults[T]>;
    });
  }
}

export { mockMarkdown };
