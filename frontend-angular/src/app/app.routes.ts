import { Routes } from '@angular/router';
import { authGuard, guestGuard } from './core/guards';
import { tKey } from './i18n';

/** Every screen is its own lazy chunk. Addresses follow the contract's page addresses; titles are catalog keys. */
export const routes: Routes = [
  { path: '', loadComponent: () => import('./features/feed/feed-page').then((m) => m.FeedPage), data: { feed: 'default' } },
  { path: 'latest', loadComponent: () => import('./features/feed/feed-page').then((m) => m.FeedPage), data: { feed: 'latest' }, title: tKey('titles.latest') },
  { path: 'trending', loadComponent: () => import('./features/feed/feed-page').then((m) => m.FeedPage), data: { feed: 'trending' }, title: tKey('titles.trending') },
  { path: 'p/:id/revisions', loadComponent: () => import('./features/revisions/revisions-page').then((m) => m.RevisionsPage), title: tKey('titles.revisions') },
  { path: 'p/:id', loadComponent: () => import('./features/post/post-page').then((m) => m.PostPage), title: tKey('titles.post') },
  { path: 'u/:username', loadComponent: () => import('./features/profile/profile-page').then((m) => m.ProfilePage), title: tKey('titles.profile') },
  { path: 'u/:username/followers', loadComponent: () => import('./features/profile/follow-list-page').then((m) => m.FollowListPage), data: { side: 'followers' }, title: tKey('titles.followers') },
  { path: 'u/:username/following', loadComponent: () => import('./features/profile/follow-list-page').then((m) => m.FollowListPage), data: { side: 'following' }, title: tKey('titles.following') },
  { path: 'tags/:tag', loadComponent: () => import('./features/tag/tag-page').then((m) => m.TagPage), title: tKey('titles.tag') },
  { path: 'search', loadComponent: () => import('./features/search/search-page').then((m) => m.SearchPage), title: tKey('titles.search') },
  { path: 'bookmarks', canActivate: [authGuard], loadComponent: () => import('./features/bookmarks/bookmarks-page').then((m) => m.BookmarksPage), title: tKey('titles.bookmarks') },
  { path: 'drafts', canActivate: [authGuard], loadComponent: () => import('./features/drafts/drafts-page').then((m) => m.DraftsPage), title: tKey('titles.drafts') },
  { path: 'notifications', canActivate: [authGuard], loadComponent: () => import('./features/notifications/notifications-page').then((m) => m.NotificationsPage), title: tKey('titles.notifications') },
  { path: 'messages', canActivate: [authGuard], loadComponent: () => import('./features/messages/messages-page').then((m) => m.MessagesPage), title: tKey('titles.messages') },
  { path: 'messages/:id', canActivate: [authGuard], loadComponent: () => import('./features/messages/messages-page').then((m) => m.MessagesPage), title: tKey('titles.messages') },
  { path: 'settings', canActivate: [authGuard], loadComponent: () => import('./features/settings/settings-page').then((m) => m.SettingsPage), title: tKey('titles.settings') },
  { path: 'login', canActivate: [guestGuard], loadComponent: () => import('./features/auth/login-page').then((m) => m.LoginPage), title: tKey('titles.signIn') },
  { path: 'register', canActivate: [guestGuard], loadComponent: () => import('./features/auth/register-page').then((m) => m.RegisterPage), title: tKey('titles.register') },
  { path: '**', loadComponent: () => import('./features/not-found').then((m) => m.NotFoundPage), title: tKey('titles.notFound') },
];
