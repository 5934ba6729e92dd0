/**
 * The API's shapes, by the names the SPA uses. Each one is a type that openapi-typescript generated
 * from the API's OpenAPI document (api.generated.ts, `make spa-types`): nothing here restates a
 * field. Only what the document cannot hold is written by hand: the list envelope as a generic,
 * the feed names of the routes, the search results by type, and the WebSocket's frames around the
 * documented payloads. Times are ISO 8601 UTC strings.
 */
import type { components, operations } from './api.generated';
import { limits } from './limits.json';

type Schemas = components['schemas'];

/** Any schema of the document by name, for request bodies: `{ body } satisfies Schema<'NewMessage'>`. */
export type Schema<K extends keyof Schemas> = Schemas[K];

/** Every list endpoint (`PostList`, `UserList`, ...): `?limit=&cursor=` in, this out. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** The body of every error response. */
/** With `mfa_required` (POST /auth/login, LoginRefused): an `mfa_token` to send with a code. */
export type ApiErrorBody = Schemas['Error'] & Partial<Pick<Schemas['LoginRefused'], 'mfa_token'>>;
export type ErrorCode = Schemas['ErrorDetail']['code'];

/** The short form of a user shown beside content (author, actor, sender). */
export type UserSummary = Schemas['UserSummary'];
/** A conversation member, with presence (null while the server cannot tell). */
export type Participant = Schemas['Participant'];
/** Followers, following and people search results. */
export type UserListItem = Schemas['UserListItem'];

/**
 * The account's language and time zone (GET /me, PATCH /me {locale, time_zone}). Optional until the
 * document states them (issue 15); then the generated fields win.
 */
interface LocaleFields {
  locale?: string | null;
  time_zone?: string | null;
}

/** GET /me, PATCH /me, and `user` in the token responses. */
export type PrivateUser = Schemas['PrivateUser'] & LocaleFields;
export type Role = PrivateUser['role'];
export type DmPolicy = PrivateUser['dm_policy'];
/** PATCH /me: the fields to change. */
export type ProfilePatch = Schemas['ProfileUpdate'] & LocaleFields;

/** GET /users/{username}. */
export type UserProfile = Schemas['UserProfile'];

/** One place the account is signed in (GET /me/sessions): a browser, or an API sign-in such as this app. */
export type SignIn = Schemas['Session'];

/** POST /auth/register, /auth/login, /auth/refresh. */
export type TokenResponse = Schemas['TokenPair'];

export type ReactionKind = Schemas['ReactionState']['my_reactions'][number];
/** Every kind, in the server's order (limits.json, from the document). */
export const REACTION_KINDS = limits.reactionKinds as readonly ReactionKind[];
export type ReactionCounts = Schemas['Reactions'];

export type Post = Schemas['Post'];
/** POST /posts. */
export type PostDraft = Schemas['PostCreate'];
/** PATCH /posts/{id}. */
export type PostPatch = Schemas['PostUpdate'];
/** GET /posts/{id}/revisions: a body an edit replaced, and when that body was written. */
export type Revision = Schemas['Revision'];

/** PUT/DELETE /posts/{id}/reactions/{kind}. */
export type ReactionState = Schemas['ReactionState'];

/** A deleted comment with replies keeps its place without words; `hidden` only when true. */
export type Comment = Schemas['Comment'];

/** The feeds, as the routes name them (/feed/home, /feed/latest, /feed/trending). */
export type FeedKind = 'home' | 'latest' | 'trending';

export type AppNotification = Schemas['Notification'];
export type NotificationType = AppNotification['type'];
/** GET /notifications/unread_count. */
export type UnreadCount = Schemas['UnreadCount'];
/** GET/PATCH /me/notification_settings: each type on the site and by mail, and the digest. */
export type NotificationSettings = Schemas['NotificationSettings'];
export type NotificationSettingsChange = Schemas['NotificationSettingsChange'];
export type DigestFrequency = NotificationSettings['digest'];

/** GET /tags/{tag}: its posts count and whether you follow it. */
export type TagInfo = Schemas['TagInfo'];
/** GET /me/tags. */
export type FollowedTag = Schemas['FollowedTag'];

export type Message = Schemas['Message'];
export type Conversation = Schemas['Conversation'];
/** GET /conversations/{id}: with `read_marks`, how far each other member has read. */
export type ConversationDetail = Schemas['ConversationDetail'];

/* ---------- safety: blocks, mutes, reports ---------- */

/** POST /reports: a post or comment by id, a person by username. */
export type NewReport = Schemas['NewReport'];
export type ReportTargetType = NewReport['target_type'];
export type ReportReason = NewReport['reason'];
/** What the reporter sees of a report (201 new, 200 when their open report on it already exists). */
export type Report = Schemas['Report'];

export type SearchType = NonNullable<NonNullable<operations['search']['parameters']['query']>['type']>;
export type TagResult = Schemas['Tag'];

/** The items of GET /search, by `type` (the document answers a union of the three lists). */
export interface SearchResults {
  posts: Post;
  users: UserListItem;
  tags: TagResult;
}

/** POST /markdown/preview. */
export type MarkdownPreview = Schemas['MarkdownPreview'];

/* ---------- WebSocket frames (server to client, format=json) ---------- */

export type UnreadCounts = Schemas['Unread'];
export type TypingEvent = Schemas['Typing'];
export type PresenceEvent = Schemas['Presence'];
/** A conversation member read up to a message (the pages' "Seen by"). */
export type ReadEvent = Schemas['ReadMark'];

/** The `data` of each server frame type (the document has the payloads; the socket, not HTTP, says which type carries which). */
export interface FrameData {
  notification: AppNotification;
  message: Message;
  'post.created': Post;
  typing: TypingEvent;
  presence: PresenceEvent;
  unread: UnreadCounts;
  read: ReadEvent;
  pong: Record<string, never>;
  error: { message: string };
}

/** `{"id", "type", "data"}`; `id` is the stored event's (a number), null for what is not stored. */
export type ServerFrame = {
  [T in keyof FrameData]: { id: number | null; type: T; data: FrameData[T] };
}[keyof FrameData];

export type ClientFrame =
  | { type: 'ping' }
  | { type: 'typing'; conversation_id: number }
  | { type: 'resume'; last_event_id: string };
