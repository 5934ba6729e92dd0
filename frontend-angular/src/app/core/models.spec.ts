import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  AppNotification,
  Comment,
  Conversation,
  Message,
  Page,
  Post,
  Schema,
  SearchResults,
  SearchType,
  SignIn,
  TagResult,
  UserListItem,
  UserSummary,
} from './models';

// Type-level checks (the unit-test build type-checks them): the few shapes written by hand in
// models.ts are the document's.
describe('models.ts', () => {
  it("reads every list of the document as a Page of the list's items", () => {
    expectTypeOf<Schema<'PostList'>>().toEqualTypeOf<Page<Post>>();
    expectTypeOf<Schema<'CommentList'>>().toEqualTypeOf<Page<Comment>>();
    expectTypeOf<Schema<'ConversationList'>>().toEqualTypeOf<Page<Conversation>>();
    expectTypeOf<Schema<'MessageList'>>().toEqualTypeOf<Page<Message>>();
    expectTypeOf<Schema<'NotificationList'>>().toEqualTypeOf<Page<AppNotification>>();
    expectTypeOf<Schema<'SessionList'>>().toEqualTypeOf<Page<SignIn>>();
    expectTypeOf<Schema<'TagList'>>().toEqualTypeOf<Page<TagResult>>();
    expectTypeOf<Schema<'UserList'>>().toEqualTypeOf<Page<UserListItem>>();
    expectTypeOf<Schema<'UserSummaryList'>>().toEqualTypeOf<Page<UserSummary>>();
    expect(true).toBe(true);
  });

  it('has a search result type for each search type, and the document answers one of their pages', () => {
    expectTypeOf<keyof SearchResults>().toEqualTypeOf<SearchType>();
    expectTypeOf<Schema<'SearchResults'>>().toEqualTypeOf<Page<Post> | Page<UserListItem> | Page<TagResult>>();
    expect(true).toBe(true);
  });
});
