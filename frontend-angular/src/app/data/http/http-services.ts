/** The real services: thin wrappers over /api/v1. Auth headers and refresh live in the interceptor. */
import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';
import { API_BASE } from '../../core/config';
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
  Schema,
  SearchResults,
  SearchType,
  SignIn,
  TagInfo,
  TokenResponse,
  UnreadCount,
  UserListItem,
  UserProfile,
  UserSummary,
} from '../../core/models';
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

function pageParams(page: PageRequest = {}, extra: Record<string, string> = {}): HttpParams {
  let params = new HttpParams({ fromObject: extra });
  if (page.limit) params = params.set('limit', page.limit);
  if (page.cursor) params = params.set('cursor', page.cursor);
  return params;
}

const seg = encodeURIComponent;

abstract class Api {
  protected readonly http = inject(HttpClient);
  protected readonly base = inject(API_BASE);
  protected url(path: string): string {
    return `${this.base}${path}`;
  }
  protected none(obs: Observable<unknown>): Observable<void> {
    return obs.pipe(map(() => undefined));
  }
}

@Injectable()
export class HttpAuthService extends Api implements AuthService {
  login(login: string, password: string): Observable<TokenResponse> {
    return this.http.post<TokenResponse>(this.url('/auth/login'), { login, password } satisfies Schema<'LoginRequest'>);
  }
  loginSecondFactor(mfaToken: string, code: string): Observable<TokenResponse> {
    return this.http.post<TokenResponse>(this.url('/auth/login/2fa'), { mfa_token: mfaToken, code });
  }
  register(username: string, email: string, password: string): Observable<TokenResponse> {
    return this.http.post<TokenResponse>(this.url('/auth/register'), { username, email, password } satisfies Schema<'RegisterRequest'>);
  }
  refresh(refreshToken: string): Observable<TokenResponse> {
    return this.http.post<TokenResponse>(this.url('/auth/refresh'), { refresh_token: refreshToken } satisfies Schema<'RefreshRequest'>);
  }
  logout(refreshToken: string): Observable<void> {
    return this.none(this.http.post(this.url('/auth/logout'), { refresh_token: refreshToken } satisfies Schema<'RefreshRequest'>));
  }
  logoutAll(): Observable<void> {
    return this.none(this.http.post(this.url('/auth/logout_all'), {}));
  }
  me(): Observable<PrivateUser> {
    return this.http.get<PrivateUser>(this.url('/me'));
  }
  updateMe(patch: ProfilePatch): Observable<PrivateUser> {
    return this.http.patch<PrivateUser>(this.url('/me'), patch);
  }
  sessions(page?: PageRequest): Observable<Page<SignIn>> {
    return this.http.get<Page<SignIn>>(this.url('/me/sessions'), { params: pageParams(page) });
  }
  endSession(id: number): Observable<void> {
    return this.none(this.http.delete(this.url(`/me/sessions/${id}`)));
  }
}

@Injectable()
export class HttpFeedService extends Api implements FeedService {
  feed(kind: FeedKind, page?: PageRequest): Observable<Page<Post>> {
    return this.http.get<Page<Post>>(this.url(`/feed/${kind}`), { params: pageParams(page) });
  }
  tagPosts(tag: string, page?: PageRequest): Observable<Page<Post>> {
    return this.http.get<Page<Post>>(this.url(`/tags/${seg(tag)}/posts`), { params: pageParams(page) });
  }
  tag(tag: string): Observable<TagInfo> {
    return this.http.get<TagInfo>(this.url(`/tags/${seg(tag)}`));
  }
  followTag(tag: string): Observable<void> {
    return this.none(this.http.put(this.url(`/tags/${seg(tag)}/follow`), null));
  }
  unfollowTag(tag: string): Observable<void> {
    return this.none(this.http.delete(this.url(`/tags/${seg(tag)}/follow`)));
  }
  followedTags(page?: PageRequest): Observable<Page<FollowedTag>> {
    return this.http.get<Page<FollowedTag>>(this.url('/me/tags'), { params: pageParams(page) });
  }
}

@Injectable()
export class HttpPostService extends Api implements PostService {
  get(id: number): Observable<Post> {
    return this.http.get<Post>(this.url(`/posts/${id}`));
  }
  create(draft: PostDraft): Observable<Post> {
    return this.http.post<Post>(this.url('/posts'), draft);
  }
  update(id: number, draft: PostPatch): Observable<Post> {
    return this.http.patch<Post>(this.url(`/posts/${id}`), draft);
  }
  remove(id: number): Observable<void> {
    return this.none(this.http.delete(this.url(`/posts/${id}`)));
  }
  react(id: number, kind: ReactionKind): Observable<ReactionState> {
    return this.http.put<ReactionState>(this.url(`/posts/${id}/reactions/${kind}`), null);
  }
  unreact(id: number, kind: ReactionKind): Observable<ReactionState> {
    return this.http.delete<ReactionState>(this.url(`/posts/${id}/reactions/${kind}`));
  }
  comments(postId: number, page?: PageRequest): Observable<Page<Comment>> {
    return this.http.get<Page<Comment>>(this.url(`/posts/${postId}/comments`), { params: pageParams(page) });
  }
  addComment(postId: number, body: string, parentId?: number | null): Observable<Comment> {
    const payload: Schema<'CommentCreate'> = parentId ? { body, parent_id: parentId } : { body };
    return this.http.post<Comment>(this.url(`/posts/${postId}/comments`), payload);
  }
  editComment(id: number, body: string): Observable<Comment> {
    return this.http.patch<Comment>(this.url(`/comments/${id}`), { body } satisfies Schema<'CommentUpdate'>);
  }
  removeComment(id: number): Observable<void> {
    return this.none(this.http.delete(this.url(`/comments/${id}`)));
  }
  bookmark(id: number): Observable<void> {
    return this.none(this.http.put(this.url(`/posts/${id}/bookmark`), null));
  }
  unbookmark(id: number): Observable<void> {
    return this.none(this.http.delete(this.url(`/posts/${id}/bookmark`)));
  }
  bookmarks(page?: PageRequest): Observable<Page<Post>> {
    return this.http.get<Page<Post>>(this.url('/bookmarks'), { params: pageParams(page) });
  }
  previewMarkdown(body: string): Observable<MarkdownPreview> {
    return this.http.post<MarkdownPreview>(this.url('/markdown/preview'), { body } satisfies Schema<'MarkdownPreviewRequest'>);
  }
  drafts(page?: PageRequest): Observable<Page<Post>> {
    return this.http.get<Page<Post>>(this.url('/me/drafts'), { params: pageParams(page) });
  }
  publish(id: number): Observable<Post> {
    return this.http.post<Post>(this.url(`/posts/${id}/publish`), null);
  }
  revisions(id: number, page?: PageRequest): Observable<Page<Revision>> {
    return this.http.get<Page<Revision>>(this.url(`/posts/${id}/revisions`), { params: pageParams(page) });
  }
  pin(id: number): Observable<void> {
    return this.none(this.http.put(this.url(`/posts/${id}/pin`), null));
  }
  unpin(id: number): Observable<void> {
    return this.none(this.http.delete(this.url(`/posts/${id}/pin`)));
  }
}

@Injectable()
export class HttpUserService extends Api implements UserService {
  profile(username: string): Observable<UserProfile> {
    return this.http.get<UserProfile>(this.url(`/users/${seg(username)}`));
  }
  follow(username: string): Observable<void> {
    return this.none(this.http.put(this.url(`/users/${seg(username)}/follow`), null));
  }
  unfollow(username: string): Observable<void> {
    return this.none(this.http.delete(this.url(`/users/${seg(username)}/follow`)));
  }
  followers(username: string, page?: PageRequest): Observable<Page<UserListItem>> {
    return this.http.get<Page<UserListItem>>(this.url(`/users/${seg(username)}/followers`), {
      params: pageParams(page),
    });
  }
  following(username: string, page?: PageRequest): Observable<Page<UserListItem>> {
    return this.http.get<Page<UserListItem>>(this.url(`/users/${seg(username)}/following`), {
      params: pageParams(page),
    });
  }
  posts(username: string, page?: PageRequest): Observable<Page<Post>> {
    return this.http.get<Page<Post>>(this.url(`/users/${seg(username)}/posts`), { params: pageParams(page) });
  }
}

@Injectable()
export class HttpNotificationService extends Api implements NotificationService {
  list(page?: PageRequest): Observable<Page<AppNotification>> {
    return this.http.get<Page<AppNotification>>(this.url('/notifications'), { params: pageParams(page) });
  }
  unreadCount(): Observable<UnreadCount> {
    return this.http.get<UnreadCount>(this.url('/notifications/unread_count'));
  }
  markRead(ids?: number[]): Observable<void> {
    return this.none(this.http.post(this.url('/notifications/read'), (ids ? { ids } : {}) satisfies Schema<'MarkRead'>));
  }
  settings(): Observable<NotificationSettings> {
    return this.http.get<NotificationSettings>(this.url('/me/notification_settings'));
  }
  updateSettings(change: NotificationSettingsChange): Observable<NotificationSettings> {
    return this.http.patch<NotificationSettings>(this.url('/me/notification_settings'), change);
  }
}

@Injectable()
export class HttpMessageService extends Api implements MessageService {
  conversations(page?: PageRequest): Observable<Page<Conversation>> {
    return this.http.get<Page<Conversation>>(this.url('/conversations'), { params: pageParams(page) });
  }
  conversation(id: number): Observable<ConversationDetail> {
    return this.http.get<ConversationDetail>(this.url(`/conversations/${id}`));
  }
  open(username: string): Observable<Conversation> {
    return this.http.post<Conversation>(this.url('/conversations'), { username } satisfies Schema<'StartConversation'>);
  }
  messages(conversationId: number, page?: PageRequest): Observable<Page<Message>> {
    return this.http.get<Page<Message>>(this.url(`/conversations/${conversationId}/messages`), {
      params: pageParams(page),
    });
  }
  send(conversationId: number, body: string): Observable<Message> {
    return this.http.post<Message>(this.url(`/conversations/${conversationId}/messages`), { body } satisfies Schema<'NewMessage'>);
  }
  markRead(conversationId: number): Observable<void> {
    return this.none(this.http.post(this.url(`/conversations/${conversationId}/read`), {}));
  }
}

@Injectable()
export class HttpSearchService extends Api implements SearchService {
  search<T extends SearchType>(q: string, type: T, page?: PageRequest): Observable<Page<SearchResults[T]>> {
    return this.http.get<Page<SearchResults[T]>>(this.url('/search'), { params: pageParams(page, { q, type }) });
  }
}

@Injectable()
export class HttpSafetyService extends Api implements SafetyService {
  block(username: string): Observable<void> {
    return this.none(this.http.put(this.url(`/users/${seg(username)}/block`), null));
  }
  unblock(username: string): Observable<void> {
    return this.none(this.http.delete(this.url(`/users/${seg(username)}/block`)));
  }
  mute(username: string): Observable<void> {
    return this.none(this.http.put(this.url(`/users/${seg(username)}/mute`), null));
  }
  unmute(username: string): Observable<void> {
    return this.none(this.http.delete(this.url(`/users/${seg(username)}/mute`)));
  }
  blocked(page?: PageRequest): Observable<Page<UserSummary>> {
    return this.http.get<Page<UserSummary>>(this.url('/me/blocks'), { params: pageParams(page) });
  }
  muted(page?: PageRequest): Observable<Page<UserSummary>> {
    return this.http.get<Page<UserSummary>>(this.url('/me/mutes'), { params: pageParams(page) });
  }
  report(report: NewReport): Observable<Report> {
    return this.http.post<Report>(this.url('/reports'), report);
  }
}
