/** Test helpers: fake JWTs, a fake WebSocket, token responses. */
import { vi } from 'vitest';
import { PrivateUser, TokenResponse } from '../app/core/models';
import { SocketLike } from '../app/core/live-socket';

function b64url(value: object): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A JWT-shaped token (unsigned) expiring `inSeconds` from now. */
export function fakeJwt(name: string, inSeconds = 900): string {
  return `${b64url({ alg: 'HS256' })}.${b64url({ sub: name, exp: Math.floor(Date.now() / 1000) + inSeconds })}.sig-${name}`;
}

export const ADA: PrivateUser = {
  username: 'ada',
  display_name: 'Ada Lovelace',
  avatar_url: '/avatars/ada.svg',
  email: 'ada@devthread.example',
  role: 'admin',
  bio: '',
  location: '',
  website: '',
  dm_policy: 'everyone',
  suspended: false,
  two_factor: false,
  has_password: true,
  email_verified: true,
  pending_email: null,
  locale: null,
  time_zone: null,
  created_at: '2025-01-01T00:00:00Z',
};

export function tokens(access: string, refresh: string, user: PrivateUser = ADA): TokenResponse {
  return { user, access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: 900 };
}

/** Stands in for the browser's WebSocket; every instance is recorded. */
export class FakeSocket implements SocketLike {
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  closed = false;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  static reset(): void {
    FakeSocket.instances = [];
  }

  static last(): FakeSocket {
    return FakeSocket.instances[FakeSocket.instances.length - 1];
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.closed = true;
    this.readyState = 3;
  }

  /* server side */
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }

  receive(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }

  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }
}

/** jsdom may or may not have navigator.locks; the tests choose. */
export function setLocks(locks: unknown): void {
  Object.defineProperty(globalThis.navigator, 'locks', { value: locks, configurable: true });
}

export const noop = vi.fn();
