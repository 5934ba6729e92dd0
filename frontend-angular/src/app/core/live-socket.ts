/**
 * The one WebSocket of the app: `/ws?access_token=<jwt>&format=json`.
 *
 * - Connects while signed in; when the access token changes (refresh, sign-in) it reconnects with
 *   the new one; signing out closes it.
 * - Remembers the id of the last event it saw and, after every reconnect, sends
 *   `{"type": "resume", "last_event_id": ...}` so the server replays what was missed.
 * - Reconnects with exponential backoff and jitter; before reconnecting with an access token that
 *   has expired, it gets a fresh one through the single-flight TokenRefresher.
 * - Sends `{"type": "ping"}` every 25 s while open.
 * - A close with code 4401 means the server ended the session (signed out everywhere, password
 *   changed, suspended): it refreshes instead of reconnecting, which signs out when that fails.
 */
import { DestroyRef, Injectable, InjectionToken, inject, signal } from '@angular/core';
import { Observable, Subject, Subscription, filter, map } from 'rxjs';
import { ClientFrame, FrameData, PresenceEvent, ServerFrame, UnreadCounts } from './models';
import { Session, jwtExpiry } from './session';
import { TokenRefresher } from './token-refresher';

/** What the service needs of a WebSocket (the browser's, or a fake in tests and mock mode). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export const WEBSOCKET_FACTORY = new InjectionToken<SocketFactory>('WEBSOCKET_FACTORY', {
  providedIn: 'root',
  factory: () => (url: string) => new WebSocket(url),
});

/** Builds the socket address for an access token (same origin as the page). */
export const SOCKET_URL = new InjectionToken<(token: string) => string>('SOCKET_URL', {
  providedIn: 'root',
  factory: () => (token: string) => {
    const loc = globalThis.location;
    const scheme = loc?.protocol === 'https:' ? 'wss' : 'ws';
    return `${scheme}://${loc?.host ?? 'localhost'}/ws?access_token=${encodeURIComponent(token)}&format=json`;
  },
});

export interface SocketTiming {
  pingMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const SOCKET_TIMING = new InjectionToken<SocketTiming>('SOCKET_TIMING', {
  providedIn: 'root',
  factory: () => ({ pingMs: 25_000, baseDelayMs: 1_000, maxDelayMs: 30_000 }),
});

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential, capped, with "equal jitter"
 * (half fixed, half random) so that many clients dropped at once do not return at once.
 */
export function backoffDelay(attempt: number, timing: SocketTiming, random: () => number = Math.random): number {
  const ceiling = Math.min(timing.maxDelayMs, timing.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export type SocketStatus = 'idle' | 'connecting' | 'open' | 'reconnecting';

const OPEN = 1;
/** An access token this close to expiry is refreshed before (re)connecting. */
const EXPIRY_MARGIN_S = 5;
/** The socket asks for a refresh at most this often (a server with a tiny TTL must not make it spin). */
const MIN_REFRESH_INTERVAL_MS = 5_000;
/** The close code of a socket whose session the server ended. */
export const SESSION_ENDED = 4401;

@Injectable({ providedIn: 'root' })
export class LiveSocket {
  private readonly session = inject(Session);
  private readonly refresher = inject(TokenRefresher);
  private readonly createSocket = inject(WEBSOCKET_FACTORY);
  private readonly socketUrl = inject(SOCKET_URL);
  private readonly timing = inject(SOCKET_TIMING);

  private socket: SocketLike | null = null;
  private token: string | null = null;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private tokenSub: Subscription | null = null;
  private lastRefreshAsk = -Infinity;
  private readonly seen = new Set<string>();
  private readonly frameSubject = new Subject<ServerFrame>();

  readonly status = signal<SocketStatus>('idle');
  /** Counts pushed by the server in `unread` frames (null until the first one). */
  readonly unread = signal<UnreadCounts | null>(null);
  /** Who is online, as far as presence frames told us. */
  readonly presence = signal<ReadonlyMap<string, boolean>>(new Map());
  /** Every frame, once (frames with an id already seen are dropped). */
  readonly frames$: Observable<ServerFrame> = this.frameSubject.asObservable();
  /** The id of the last event seen: what `resume` sends after a reconnect. */
  lastEventId: string | null = null;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.stop());
    globalThis.addEventListener?.('online', () => {
      if (this.token && this.status() === 'reconnecting') {
        this.attempt = 0;
        this.reconnectNow();
      }
    });
  }

  /** Follow the session: connect while signed in, reconnect on a new token, close on sign-out. */
  start(): void {
    if (this.tokenSub) return;
    this.tokenSub = this.session.accessToken$.subscribe((token) => {
      if (token) this.connectFresh(token);
      else this.disconnect(true);
    });
  }

  stop(): void {
    this.tokenSub?.unsubscribe();
    this.tokenSub = null;
    this.disconnect(true);
  }

  /** Frames of one type, as their data. */
  on<K extends keyof FrameData>(type: K): Observable<FrameData[K]> {
    return this.frames$.pipe(
      filter((frame) => frame.type === type),
      map((frame) => frame.data as FrameData[K]),
    );
  }

  send(frame: ClientFrame): boolean {
    if (this.socket?.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  isOnline(username: string): boolean | undefined {
    return this.presence().get(username);
  }

  private connect(token: string): void {
    this.detach();
    this.clearReconnect();
    this.token = token;
    this.status.set(this.attempt > 0 ? 'reconnecting' : 'connecting');
    const socket = this.createSocket(this.socketUrl(token));
    this.socket = socket;
    socket.onopen = () => this.opened(socket);
    socket.onmessage = (event) => this.received(socket, event);
    socket.onclose = (event) => this.closed(socket, event);
    socket.onerror = () => {
      /* a close event always follows */
    };
  }

  /** Close for good (sign-out) or just drop the current socket. */
  private disconnect(forget: boolean): void {
    this.detach();
    this.clearReconnect();
    this.token = null;
    this.attempt = 0;
    this.status.set('idle');
    if (forget) {
      this.lastEventId = null;
      this.seen.clear();
      this.unread.set(null);
      this.presence.set(new Map());
    }
  }

  private detach(): void {
    this.stopPing();
    const old = this.socket;
    this.socket = null;
    if (!old) return;
    old.onopen = old.onmessage = old.onclose = old.onerror = null;
    try {
      old.close(1000, 'reconnecting');
    } catch {
      /* already closed */
    }
  }

  private opened(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.attempt = 0;
    this.status.set('open');
    if (this.lastEventId !== null) this.send({ type: 'resume', last_event_id: this.lastEventId });
    this.stopPing();
    this.pingTimer = setInterval(() => this.send({ type: 'ping' }), this.timing.pingMs);
  }

  private received(socket: SocketLike, event: MessageEvent): void {
    if (socket !== this.socket || typeof event.data !== 'string') return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(event.data) as ServerFrame;
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== 'string') return;
    if (frame.id !== null && frame.id !== undefined) {
      const id = String(frame.id);
      if (this.seen.has(id)) return;
      this.seen.add(id);
      if (this.seen.size > 500) this.seen.delete(this.seen.values().next().value as string);
      this.lastEventId = id;
    }
    if (frame.type === 'unread') this.unread.set(frame.data);
    if (frame.type === 'presence') this.updatePresence(frame.data);
    this.frameSubject.next(frame);
  }

  private updatePresence(event: PresenceEvent): void {
    const next = new Map(this.presence());
    next.set(event.username, event.online);
    this.presence.set(next);
  }

  private closed(socket: SocketLike, event?: CloseEvent): void {
    if (socket !== this.socket) return;
    this.stopPing();
    this.socket = null;
    if (!this.token) return;
    this.status.set('reconnecting');
    if (event?.code === SESSION_ENDED) {
      // Reconnecting with this token would be refused. A refresh signs out when it fails; when it
      // succeeds the new token connects through accessToken$ (or here, if another tab had it first).
      this.lastRefreshAsk = Date.now();
      this.refresher.refresh(this.token).subscribe({
        next: (fresh) => {
          if (!this.socket && this.token && this.session.accessToken() === fresh) this.connect(fresh);
        },
        error: () => undefined,
      });
      return;
    }
    const delay = backoffDelay(this.attempt, this.timing);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => this.reconnectNow(), delay);
  }

  private reconnectNow(): void {
    this.clearReconnect();
    const token = this.session.accessToken();
    if (!token) return this.disconnect(true);
    this.connectFresh(token);
  }

  /**
   * Connect, unless the token has expired: then get a fresh one first. The new token arrives
   * through accessToken$, which connects; a failed refresh ends the session (and so the socket).
   */
  private connectFresh(token: string): void {
    const exp = jwtExpiry(token);
    const now = Date.now();
    if (exp !== null && exp - EXPIRY_MARGIN_S <= now / 1000 && now - this.lastRefreshAsk >= MIN_REFRESH_INTERVAL_MS) {
      this.lastRefreshAsk = now;
      this.detach();
      this.clearReconnect();
      this.token = token;
      this.status.set('connecting');
      this.refresher.refresh(token).subscribe({ error: () => undefined });
      return;
    }
    this.connect(token);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private stopPing(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }
}
