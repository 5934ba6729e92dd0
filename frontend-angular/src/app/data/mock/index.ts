import { Provider } from '@angular/core';
import {
  AuthService,
  FeedService,
  MessageService,
  NotificationService,
  PostService,
  SafetyService,
  SearchService,
  UserService,
} from '../services';
import {
  MockAuthService,
  MockFeedService,
  MockMessageService,
  MockNotificationService,
  MockPostService,
  MockSafetyService,
  MockSearchService,
  MockUserService,
} from './mock-services';

export { MockDb, MOCK_LATENCY, MOCK_PASSWORD, MOCK_TOTP_CODE } from './mock-db';

/** The in-memory services (tests use these directly; `npm run start:mock` via providers.mock.ts). */
export function provideMockData(): Provider[] {
  return [
    { provide: AuthService, useClass: MockAuthService },
    { provide: FeedService, useClass: MockFeedService },
    { provide: PostService, useClass: MockPostService },
    { provide: UserService, useClass: MockUserService },
    { provide: NotificationService, useClass: MockNotificationService },
    { provide: MessageService, useClass: MockMessageService },
    { provide: SearchService, useClass: MockSearchService },
    { provide: SafetyService, useClass: MockSafetyService },
  ];
}
