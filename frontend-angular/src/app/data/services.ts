/**
 * The data services the app depends on. Each abstract class is its own DI token: components
 * inject `PostService`, and `providers.ts` (real HTTP, the default) or `providers.mock.ts`
 * (in-memory, for tests and `npm run start:mock`) decides what they get.
 */
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
  ReactionKind,
  ReactionState,
  Report,
  SearchResults,
  SearchType,
  SignIn,
  TagInfo,
  TokenResponse,
  UnreadCount,
  UserListItem,
  UserProfile,
  UserSummary,
} from '../core/models';

export interface PageRequest {
  cursor?: string | null;
  limit?: number;
}

export abstract class AuthService {
  /** POST /auth/login; with two-factor sign-in on, a 401 `mfa_required` carries an `mfa_token`. */
  abstract login(login: string, password: string): Observable<TokenResponse>;
  /** POST /auth/login/2fa: finish a sign-in with the `mfa_token` and an app or recovery code. */
  abstract loginSecondFactor(mfaToken: string, code: string): Observable<TokenResponse>;
  abstract register(username: string, email: string, password: string): Observable<TokenResponse>;
  /** Spend a refresh token for a new pair. Never call directly: use TokenRefresher (single flight). */
  abstract refresh(refreshToken: string): Observable<TokenResponse>;
  abstract logout(refreshToken: string): Observable<void>;
  /** POST /auth/logout_all: end every session of the signed-in user (tokens, pages, sockets). */
  abstract logoutAll(): Observable<void>;
  abstract me(): Observable<PrivateUser>;
  abstract updateMe(patch: ProfilePatch): Observable<PrivateUser>;
  /** GET /me/sessions: where this account is signed in (browsers and API sign-ins), newest first. */
  abstract sessions(page?: PageRequest): Observable<Page<SignIn>>;
  /** DELETE /me/sessions/{id}: end one sign-in at once (its tokens and sockets too). */
  abstract endSession(id: number): Observable<void>;
}

export abstract class FeedService {
  abstract feed(kind: FeedKind, page?: PageRequest): Observable<Page<Post>>;
  abstract tagPosts(tag: string, page?: PageRequest): Observable<Page<Post>>;
  /** GET /tags/{tag}: its posts count, and whether you follow it. */
  abstract tag(tag: string): Observable<TagInfo>;
  /** PUT /tags/{tag}/follow (idempotent): its posts join your home feed. */
  abstract followTag(tag: string): Observable<void>;
  /** DELETE /tags/{tag}/follow (idempotent). */
  abstract unfollowTag(tag: string): Observable<void>;
  /** GET /me/tags: the tags you follow, the latest followed first. */
  abstract followedTags(page?: PageRequest): Observable<Page<FollowedTag>>;
}

export abstract class PostService {
  abstract get(id: number): Observable<Post>;
  abstract create(draft: PostDraft): Observable<Post>;
  abstract update(id: number, draft: PostPatch): Observable<Post>;
  abstract remove(id: number): Observable<void>;
  abstract react(id: number, kind: ReactionKind): Observable<ReactionState>;
  abstract unreact(id: number, kind: ReactionKind): Observable<ReactionState>;
  abstract comments(postId: number, page?: PageRequest): Observable<Page<Comment>>;
  abstract addComment(postId: number, body: string, parentId?: number | null): Observable<Comment>;
  abstract editComment(id: number, body: string): Observable<Comment>;
  abstract removeComment(id: number): Observable<void>;
  abstract bookmark(id: number): Observable<void>;
  abstract unbookmark(id: number): Observable<void>;
  abstract bookmarks(page?: PageRequest): Observable<Page<Post>>;
  abstract previewMarkdown(body: string): Observable<MarkdownPreview>;
  /** GET /me/drafts: your drafts (seen by you alone), newest first. */
  abstract drafts(page?: PageRequest): Observable<Page<Post>>;
  /** POST /posts/{id}/publish: the draft goes into the feeds, its time now. */
  abstract publish(id: number): Observable<Post>;
  /** GET /posts/{id}/revisions: the bodies its edits replaced, newest first. */
  abstract revisions(id: number, page?: PageRequest): Observable<Page<Revision>>;
  /** PUT /posts/{id}/pin: first on your profile (at most 3: a fourth is 409). */
  abstract pin(id: number): Observable<void>;
  abstract unpin(id: number): Observable<void>;
}

export abstract class UserService {
  abstract profile(username: string): Observable<UserProfile>;
  abstract follow(username: string): Observable<void>;
  abstract unfollow(username: string): Observable<void>;
  abstract followers(username: string, page?: PageRequest): Observable<Page<UserListItem>>;
  abstract following(username: string, page?: PageRequest): Observable<Page<UserListItem>>;
  abstract posts(username: string, page?: PageRequest): Observable<Page<Post>>;
}

export abstract class NotificationService {
  abstract list(page?: PageRequest): Observable<Page<AppNotification>>;
  abstract unreadCount(): Observable<UnreadCount>;
  /** No ids: mark all as read. */
  abstract markRead(ids?: number[]): Observable<void>;
  /** GET /me/notification_settings. */
  abstract settings(): Observable<NotificationSettings>;
  /** PATCH /me/notification_settings: only what changes; an unknown type or value is 422. */
  abstract updateSettings(change: NotificationSettingsChange): Observable<NotificationSettings>;
}

export abstract class MessageService {
  abstract conversations(page?: PageRequest): Observable<Page<Conversation>>;
  /** GET /conversations/{id}: an addition to the contract the SPA needs for deep links. */
  abstract conversation(id: number): Observable<ConversationDetail>;
  abstract open(username: string): Observable<Conversation>;
  /** Newest first, as the API sends them. */
  abstract messages(conversationId: number, page?: PageRequest): Observable<Page<Message>>;
  abstract send(conversationId: number, body: string): Observable<Message>;
  abstract markRead(conversationId: number): Observable<void>;
}

/** Keeping people away: block, mute, the lists of both, and reports to the moderators. */
export abstract class SafetyService {
  /** PUT /users/{u}/block (idempotent): follows between you end; neither reaches or sees the other. */
  abstract block(username: string): Observable<void>;
  abstract unblock(username: string): Observable<void>;
  /** PUT /users/{u}/mute (idempotent): their posts leave your feeds; they are not told. */
  abstract mute(username: string): Observable<void>;
  abstract unmute(username: string): Observable<void>;
  /** GET /me/blocks: the people you blocked, most recent first. */
  abstract blocked(page?: PageRequest): Observable<Page<UserSummary>>;
  /** GET /me/mutes: the people you muted, most recent first. */
  abstract muted(page?: PageRequest): Observable<Page<UserSummary>>;
  /** POST /reports: a post, a comment or a person, to the moderators. */
  abstract report(report: NewReport): Observable<Report>;
}

export abstract class SearchService {
  abstract search<T extends SearchType>(
    q: string,
    type: T,
    page?: PageRequest,
  ): Observable<Page<SearchResults[T]>>;
}
