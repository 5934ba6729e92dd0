/**
 * Which data services the app gets. This file is the default (the real API on /api/v1);
 * the `mock` build configuration replaces it with providers.mock.ts (see angular.json).
 */
import { Provider } from '@angular/core';
import {
  HttpAuthService,
  HttpFeedService,
  HttpMessageService,
  HttpNotificationService,
  HttpPostService,
  HttpSafetyService,
  HttpSearchService,
  HttpUserService,
} from './http/http-services';
import {
  AuthService,
  FeedService,
  MessageService,
  NotificationService,
  PostService,
  SafetyService,
  SearchService,
  UserService,
} from './services';

export const DATA_MODE: 'api' | 'mock' = 'api';

export function provideData(): Provider[] {
  return [
    { provide: AuthService, useClass: HttpAuthService },
    { provide: FeedService, useClass: HttpFeedService },
    { provide: PostService, useClass: HttpPostService },
    { provide: UserService, useClass: HttpUserService },
    { provide: NotificationService, useClass: HttpNotificationService },
    { provide: MessageService, useClass: HttpMessageService },
    { provide: SearchService, useClass: HttpSearchService },
    { provide: SafetyService, useClass: HttpSafetyService },
  ];
}
