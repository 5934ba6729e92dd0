import { Routes } from '@angular/router';
import { authGuard, guestGuard } from './core/guards';

/** Every screen is its own lazy chunk. Addresses follow the contract's page addresses. */
export const routes: Routes = [
  { path: '', loadComponent: () => import('./features/feed/feed-page').then((m) => m.FeedPage), data: { feed: 'default' }, title: 'DevThread' },
  { path: 'latest', loadComponent: () => import('./features/feed/feed-page').then((m) => m.FeedPage), data: { feed: 'latest' }, title: 'Latest · DevThread' },
  { path: 'trending', loadComponent: () => import('./features/feed/feed-page').then((m) => m.FeedPage), data: { feed: 'trending' }, title: 'Trending · DevThread' },
  { path: 'p/:id/revisions', loadComponent: () => import('./features/revisions/revisions-page').then((m) => m.RevisionsPage), title: 'Edit history · DevThread' },
  { path: 'p/:id', loadComponent: () => import('./features/post/post-page').then((m) => m.PostPage), title: 'Post · DevThread' },
  { path: 'u/:username', loadComponent: () => import('./features/profile/profile-page').then((m) => m.ProfilePage), title: 'Profile · DevThread' },
  { path: 'u/:username/followers', loadComponent: () => import('./features/profile/follow-list-page').then((m) => m.FollowListPage), data: { side: 'followers' }, title: 'Followers · DevThread' },
  { path: 'u/:username/following', loadComponent: () => import('./features/profile/follow-list-page').then((m) => m.FollowListPage), data: { side: 'following' }, title: 'Following · DevThread' },
  { path: 'tags/:tag', loadComponent: () => import('./features/tag/tag-page').then((m) => m.TagPage), title: 'Tag · DevThread' },
  { path: 'search', loadComponent: () => import('./features/search/search-page').then((m) => m.SearchPage), title: 'Search · DevThread' },
  { path: 'bookmarks', canActivate: [authGuard], loadComponent: () => import('./features/bookmarks/bookmarks-page').then((m) => m.BookmarksPage), title: 'Bookmarks · DevThread' },
  { path: 'drafts', canActivate: [authGuard], loadComponent: () => import('./features/drafts/drafts-page').then((m) => m.DraftsPage), title: 'Drafts · DevThread' },
  { path: 'notifications', canActivate: [authGuard], loadComponent: () => import('./features/notifications/notifications-page').then((m) => m.NotificationsPage), title: 'Notifications · DevThread' },
  { path: 'messages', canActivate: [authGuard], loadComponent: () => import('./features/messages/messages-page').then((m) => m.MessagesPage), title: 'Messages · DevThread' },
  { path: 'messages/:id', canActivate: [authGuard], loadComponent: () => import('./features/messages/messages-page').then((m) => m.MessagesPage), title: 'Messages · DevThread' },
  { path: 'settings', canActivate: [authGuard], loadComponent: () => import('./features/settings/settings-page').then((m) => m.SettingsPage), title: 'Settings · DevThread' },
  { path: 'login', canActivate: [guestGuard], loadComponent: () => import('./features/auth/login-page').then((m) => m.LoginPage), title: 'Sign in · DevThread' },
  { path: 'register', canActivate: [guestGuard], loadComponent: () => import('./features/auth/register-page').then((m) => m.RegisterPage), title: 'Create an account · DevThread' },
  { path: '**', loadComponent: () => import('./features/not-found').then((m) => m.NotFoundPage), title: 'Not found · DevThread' },
];
