import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { of, throwError } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket, fakeJwt, setLocks, tokens } from '../../testing/helpers';
import { provideMockData } from '../data/mock';
import { LiveSocket, SOCKET_TIMING, SOCKET_URL, WEBSOCKET_FACTORY, backoffDelay } from './live-socket';
import { ServerFrame } from './models';
import { Session } from './session';
import { TokenRefresher } from './token-refresher';

const timing = { pingMs: 25_000, baseDelayMs: 1_000, maxDelayMs: 30_000 };

describe('backoffDelay', () => {
  it('doubles per attempt, caps at the maximum, and spreads within [ceiling/2, ceiling]', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, timing, () => 1))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect([0, 1, 2].map((a) => backoffDelay(a, timing, () => 0))).toEqual([500, 1000, 2000]);
    expect(backoffDelay(3, timing, () => 0.5)).toBe(6000);
  });
});

describe('LiveSocket', () => {
  let session: Session;
  let socket: LiveSocket;
  const A = fakeJwt('a');

  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0); // jitter at its minimum: delays are ceiling / 2
    localStorage.clear();
    setLocks(undefined);
    FakeSocket.reset();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        ...provideMockData(),
        { provide: WEBSOCKET_FACTORY, useValue: (url: string) => new FakeSocket(url) },
        { provide: SOCKET_URL, useValue: (t: string) => `ws://test/ws?access_token=${t}&format=json` },
        { provide: SOCKET_TIMING, useValue: timing },
      ],
    });
    session = TestBed.inject(Session);
    socket = TestBed.inject(LiveSocket);
  });

  afterEach(() => {
    socket.stop();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('connects with the access token in the address once signed in, and not before', () => {
    socket.start();
    expect(FakeSocket.instances.length).toBe(0);
    session.start(tokens(A, 'r1'));
    expect(FakeSocket.instances.length).toBe(1);
    expect(FakeSocket.last().url).toBe(`ws://test/ws?access_token=${A}&format=json`);
  });

  it('after a drop, reconnects with backoff and resumes from the last event id it saw', () => {
    session.start(tokens(A, 'r1'));
    socket.start();
    const first = FakeSocket.last();
    first.open();
    expect(first.sent).toEqual([]); // nothing to resume on the first connection

    const seen: ServerFrame[] = [];
    socket.frames$.subscribe((f) => seen.push(f));
    first.receive({ id: '41', type: 'notification', data: { id: 1 } });
    first.receive({ id: null, type: 'typing', data: { conversation_id: 3, username: 'grace' } });
    first.receive({ id: '42', type: 'message', data: { id: 9 } });
    expect(socket.lastEventId).toBe('42');

    first.drop();
    expect(socket.status()).toBe('reconnecting');
    vi.advanceTimersByTime(499);
    expect(FakeSocket.instances.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances.length).toBe(2);

    const second = FakeSocket.last();
    second.open();
    expect(second.sent).toEqual([{ type: 'resume', last_event_id: '42' }]);
    expect(socket.status()).toBe('open');

    // A replayed event the client already saw is dropped; a new one goes through.
    second.receive({ id: '42', type: 'message', data: { id: 9 } });
    second.receive({ id: '43', type: 'message', data: { id: 10 } });
    expect(seen.map((f) => f.id)).toEqual(['41', null, '42', '43']);
    expect(socket.lastEventId).toBe('43');
  });

  it('backs off exponentially while the server stays away, and starts over after a success', () => {
    session.start(tokens(A, 'r1'));
    socket.start();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const before = FakeSocket.instances.length;
      FakeSocket.last().drop();
      let waited = 0;
      while (FakeSocket.instances.length === before) {
        vi.advanceTimersByTime(100);
        waited += 100;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000]);

    FakeSocket.last().open();
    FakeSocket.last().drop();
    vi.advanceTimersByTime(500);
    expect(FakeSocket.instances.length).toBe(6);
  });

  it('pings every 25 seconds while open', () => {
    session.start(tokens(A, 'r1'));
    socket.start();
    FakeSocket.last().open();
    vi.advanceTimersByTime(24_999);
    expect(FakeSocket.last().sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.last().sent).toEqual([{ type: 'ping' }]);
    vi.advanceTimersByTime(25_000);
    expect(FakeSocket.last().sent.length).toBe(2);
  });

  it('reconnects with the new token when the access token is refreshed, and resumes', () => {
    session.start(tokens(A, 'r1'));
    socket.start();
    const first = FakeSocket.last();
    first.open();
    first.receive({ id: '7', type: 'notification', data: { id: 1 } });

    const B = fakeJwt('b');
    session.start(tokens(B, 'r2'));
    expect(first.closed).toBe(true);
    const second = FakeSocket.last();
    expect(second.url).toContain(`access_token=${B}`);
    second.open();
    expect(second.sent).toEqual([{ type: 'resume', last_event_id: '7' }]);
  });

  it('refreshes an access token that expired while connected before reconnecting', () => {
    const soon = fakeJwt('soon', 30);
    session.start(tokens(soon, 'r1'));
    socket.start();
    FakeSocket.last().open();
    vi.advanceTimersByTime(40_000); // the token has expired meanwhile (fake timers move Date too)
    const refresher = TestBed.inject(TokenRefresher);
    const fresh = fakeJwt('fresh');
    const refresh = vi.spyOn(refresher, 'refresh').mockImplementation(() => {
      session.start(tokens(fresh, 'r2'));
      return of(fresh);
    });
    FakeSocket.last().drop();
    vi.advanceTimersByTime(500);
    expect(refresh).toHaveBeenCalledWith(soon);
    expect(FakeSocket.last().url).toContain(`access_token=${fresh}`);
    expect(FakeSocket.instances.length).toBe(2);
  });

  it('does not connect with an expired token: refreshes first, then connects with the new one', () => {
    const expired = fakeJwt('old', -60);
    session.start(tokens(expired, 'r1'));
    const fresh = fakeJwt('fresh');
    const refresh = vi.spyOn(TestBed.inject(TokenRefresher), 'refresh').mockImplementation(() => {
      session.start(tokens(fresh, 'r2'));
      return of(fresh);
    });
    socket.start();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(FakeSocket.instances.map((s) => s.url)).toEqual([`ws://test/ws?access_token=${fresh}&format=json`]);
  });

  it('refreshes instead of reconnecting when the server ends the session (close code 4401)', () => {
    session.start(tokens(A, 'r1'));
    socket.start();
    FakeSocket.last().open();
    const fresh = fakeJwt('fresh');
    const refresh = vi.spyOn(TestBed.inject(TokenRefresher), 'refresh').mockImplementation(() => {
      session.start(tokens(fresh, 'r2'));
      return of(fresh);
    });
    FakeSocket.last().drop(4401);
    expect(refresh).toHaveBeenCalledWith(A);
    expect(FakeSocket.instances.map((s) => s.url)).toEqual([
      `ws://test/ws?access_token=${A}&format=json`,
      `ws://test/ws?access_token=${fresh}&format=json`,
    ]);
  });

  it('signs out when the session ended and the refresh fails, and does not come back', () => {
    session.start(tokens(A, 'r1'));
    socket.start();
    FakeSocket.last().open();
    const refresh = vi.spyOn(TestBed.inject(TokenRefresher), 'refresh').mockImplementation(() => {
      session.clear(); // what TokenRefresher does when POST /auth/refresh fails
      return throwError(() => new Error('401'));
    });
    FakeSocket.last().drop(4401);
    expect(refresh).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances.length).toBe(1);
    expect(socket.status()).toBe('idle');
  });

  it('keeps unread counts and presence from their frames', () => {
    session.start(tokens(A, 'r1'));
    socket.start();
    FakeSocket.last().open();
    FakeSocket.last().receive({ id: null, type: 'unread', data: { notifications: 3, messages: 1 } });
    FakeSocket.last().receive({ id: null, type: 'presence', data: { username: 'grace', online: true } });
    expect(socket.unread()).toEqual({ notifications: 3, messages: 1 });
    expect(socket.isOnline('grace')).toBe(true);
  });

  it('closes on sign-out and does not come back', () => {
    session.start(tokens(A, 'r1'));
    socket.start();
    const s = FakeSocket.last();
    s.open();
    session.clear();
    expect(s.closed).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances.length).toBe(1);
    expect(socket.status()).toBe('idle');
    expect(socket.lastEventId).toBeNull();
  });
});
