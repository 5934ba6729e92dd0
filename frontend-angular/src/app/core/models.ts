/**
 * The API's shapes, exactly as /api/v1 sends them (see shared/docs/api-contract.md).
 * Times are ISO 8601 UTC strings. Nothing here is invented by the client: where the contract
 * leaves a shape open, the field is marked "assumed" and listed in the README.
 */

/** Every list endpoint: `?limit=&cursor=` in, this out. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'validation_error'
  | 'rate_limited'
  | 'mfa_required';

/** The body of every error response. */
export interface ApiErrorBody {
  error: {
    code: ErrorCode | string;
    message: string;
    fields?: Record<string, string[]>;
  };
  /** With `mfa_required` (POST /auth/login): send it with a code to POST /auth/login/2fa. */
  mfa_token?: string;
}

/** The short form of a user shown beside content (author, actor, participant). */
export interface UserSummary {
  username: string;
  display_name: string;
  avatar_url: string;
  /** Conversation participants carry their presence; null while the server cannot tell. */
  online?: boolean | null;
}

export type Role = 'user' | 'moderator' | 'admin';
export type DmPolicy = 'everyone' | 'following';

/** GET /me, PATCH /me, and `user` in the token responses. */
export interface PrivateUser extends UserSummary {
  email: string;
  role: Role | string;
  bio: string | null;
  location: string | null;
  website: string | null;
  dm_policy: DmPolicy;
  suspended?: boolean;
  /** Signing in with the password also asks for a code from an authenticator app. */
  two_factor?: boolean;
  created_at: string;
}

export interface ProfilePatch {
  display_name?: string;
  bio?: string;
  location?: string;
  website?: string;
  dm_policy?: DmPolicy;
}

/** GET /users/{username}. */
export interface UserProfile {
  username: string;
  display_name: string;
  bio: string | null;
  avatar_url: string;
  created_at: string;
  followers_count: number;
  following_count: number;
  posts_count: number;
  /** null: unknown (the server's presence store is away); no dot is shown then. */
  online: boolean | null;
  is_following: boolean;
  follows_you: boolean;
}

/** POST /auth/register, /auth/login, /auth/refresh. */
/** One place the account is signed in (GET /me/sessions): a browser, or an API sign-in such as this app. */
export interface SignIn {
  id: number;
  kind: 'browser' | 'api';
  created_at: string;
  last_seen_at: string;
  user_agent: string;
  /** The sign-in this app is using. */
  current: boolean;
}

export interface TokenResponse {
  user: PrivateUser;
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export const REACTION_KINDS = ['like', 'love', 'laugh', 'insightful', 'celebrate'] as const;
export type ReactionKind = (typeof REACTION_KINDS)[number];
export type ReactionCounts = Partial<Record<ReactionKind, number>>;

export interface Post {
  id: number;
  author: UserSummary;
  body: string;
  body_html: string;
  tags: string[];
  created_at: string;
  edited_at: string | null;
  comments_count: number;
  reactions: ReactionCounts;
  my_reactions: ReactionKind[];
  bookmarked: boolean;
  url: string;
}

export interface PostDraft {
  body: string;
  tags?: string[];
}

/** PUT/DELETE /posts/{id}/reactions/{kind}. */
export interface ReactionState {
  reactions: ReactionCounts;
  my_reactions: ReactionKind[];
}

export interface Comment {
  id: number;
  post_id: number;
  parent_id: number | null;
  author: UserSummary;
  body: string;
  body_html: string;
  created_at: string;
  edited_at: string | null;
  /** A deleted comment with replies keeps its place without words (`body` and `body_html` empty). */
  deleted?: boolean;
  /** By someone blocked (either way): shaped like a deleted comment, author and words left out. */
  hidden?: boolean;
}

export type FeedKind = 'home' | 'latest' | 'trending';

export type NotificationType = 'follow' | 'reaction' | 'comment' | 'reply' | 'mention' | 'message' | 'removed';

export interface AppNotification {
  id: number;
  type: NotificationType;
  actor: UserSummary;
  post_id?: number | null;
  comment_id?: number | null;
  conversation_id?: number | null;
  created_at: string;
  read: boolean;
  /** Only on `removed` (the moderators took something down): what, and why. */
  target_type?: 'post' | 'comment' | 'content';
  reason?: string | null;
}

export interface Message {
  id: number;
  conversation_id: number;
  sender: UserSummary;
  body: string;
  created_at: string;
}

export interface Conversation {
  id: number;
  participants: UserSummary[];
  last_message: Message | null;
  unread_count: number;
  updated_at: string;
  /**
   * GET /conversations/{id} only: how far each other member has read (the id of the newest
   * message they had seen), by username; nobody across a block. Live updates come as `read` frames.
   */
  read_marks?: Record<string, number>;
}

/* ---------- safety: blocks, mutes, reports ---------- */

export type ReportTargetType = 'post' | 'comment' | 'user';

/** POST /reports: a post or comment by id, a person by username. */
export interface NewReport {
  target_type: ReportTargetType;
  target_id: number | string;
  /** One of LIMITS.reportReasons. */
  reason: string;
  note?: string;
}

/** What the reporter sees of a report (201 new, 200 when their open report on it already exists). */
export interface Report {
  id: number;
  target_type: ReportTargetType;
  target_id: number | string;
  reason: string;
  note: string | null;
  status: string;
  created_at: string;
}

export type SearchType = 'posts' | 'users' | 'tags';

/** Assumed shape of a `type=tags` search result (the contract does not spell it out). */
export interface TagResult {
  name: string;
  posts_count?: number;
}

export interface SearchResults {
  posts: Post;
  users: UserSummary;
  tags: TagResult;
}

/** POST /markdown/preview (an addition the SPA needs). */
export interface MarkdownPreview {
  html: string;
}

/* ---------- WebSocket frames (server to client, format=json) ---------- */

export interface UnreadCounts {
  notifications: number;
  messages: number;
}

export interface TypingEvent {
  conversation_id: number;
  username: string;
}

export interface PresenceEvent {
  username: string;
  online: boolean;
}

/** A conversation member read up to a message (the pages' "Seen by"). */
export interface ReadEvent {
  conversation_id: number;
  username: string;
  last_read_message_id: number;
}

interface FrameOf<T extends string, D> {
  id: string | null;
  type: T;
  data: D;
}

export type ServerFrame =
  | FrameOf<'notification', AppNotification>
  | FrameOf<'message', Message>
  | FrameOf<'post.created', Post>
  | FrameOf<'typing', TypingEvent>
  | FrameOf<'presence', PresenceEvent>
  | FrameOf<'unread', UnreadCounts>
  | FrameOf<'read', ReadEvent>
  | FrameOf<'pong', Record<string, unknown>>
  | FrameOf<'error', { code?: string; message?: string }>;

/** The `data` of each server frame type. */
export interface FrameData {
  notification: AppNotification;
  message: Message;
  'post.created': Post;
  typing: TypingEvent;
  presence: PresenceEvent;
  unread: UnreadCounts;
  read: ReadEvent;
  pong: Record<string, unknown>;
  error: { code?: string; message?: string };
}

export type ClientFrame =
  | { type: 'ping' }
  | { type: 'typing'; conversation_id: number }
  | { type: 'resume'; last_event_id: string };
