/**
 * One conversation: messages oldest to newest (the API sends newest first), older ones on demand,
 * live messages from the socket, a typing indicator both ways, online dot, and sending in place.
 */
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  computed,
  effect,
  inject,
  input,
  output,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule, Validators } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { toApiError } from '../../core/errors';
import { LiveSocket } from '../../core/live-socket';
import { LiveState } from '../../core/live-state';
import { LIMITS } from '../../core/limits';
import { Conversation, ConversationDetail, Message, Participant } from '../../core/models';
import { Session } from '../../core/session';
import { MessageService } from '../../data/services';
import { Avatar } from '../../shared/avatar';
import { Pager } from '../../shared/pager';
import { StateMessage } from '../../shared/states';
import { TimeAgo } from '../../shared/time';
import { TPipe } from '../../i18n';

const TYPING_SEND_EVERY_MS = 3_000;
const TYPING_SHOW_MS = 5_000;

@Component({
  selector: 'app-conversation',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, ReactiveFormsModule, Avatar, TimeAgo, StateMessage, TPipe],
  template: `
    <header class="conversation-head">
      @if (partner(); as p) {
        <a [routerLink]="['/u', p.username]" class="author">
          <app-avatar [user]="p" [size]="36" [online]="online()" />
          <span class="author-names">
            <span class="display-name">{{ p.display_name }}</span>
            <span class="username"
              >&#64;{{ p.username }}@if (online() !== null) { · {{ (online() ? 'presence.online' : 'presence.offline') | t }}}</span
            >
          </span>
        </a>
      } @else if (headerError()) {
        <p class="muted">{{ 'messages.conversationNumber' | t: { id: '' + conversationId() } }}</p>
      }
    </header>

    <div class="message-scroll" #scroller>
      @if (!pager.done() && pager.loaded() && !pager.loading()) {
        <div class="row center"><button type="button" class="btn btn-small" (click)="pager.loadMore()">{{ 'messages.older' | t }}</button></div>
      }
      @if (pager.loading()) {
        <app-state kind="loading" [text]="'messages.loadingMessages' | t" />
      } @else if (pager.error()) {
        <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
      } @else if (pager.empty()) {
        <app-state kind="empty" [text]="'messages.sayHello' | t" />
      }
      <div role="log" aria-live="polite" aria-relevant="additions" [attr.aria-label]="partner() ? ('messages.with' | t: { name: partner()!.display_name }) : ('messages.conversation' | t)">
      <ol class="message-log">
        @for (m of ordered(); track m.id) {
          <li class="bubble" [class.mine]="m.sender.username === me()">
            <span class="visually-hidden">{{ m.sender.display_name }}:</span>
            <span class="bubble-body">{{ m.body }}</span>
            <app-time [iso]="m.created_at" />
            @if (m.id === seenId()) {
              <span class="read-mark">{{ 'messages.seen' | t }}<span class="visually-hidden"> {{ 'messages.seenBy' | t: { name: partner()?.display_name ?? '' } }}</span></span>
            }
          </li>
        }
      </ol>
      </div>
    </div>

    <p class="typing" aria-hidden="true">{{ typingUser() ? ('messages.typing' | t: { name: typingUser()! }) : '' }}</p>

    <form class="send-form" (submit)="$event.preventDefault(); send()" novalidate>
      <label for="message-body" class="visually-hidden">{{ 'messages.write' | t }}</label>
      <textarea id="message-body" [formControl]="body" rows="2" [attr.maxlength]="maxLength" [placeholder]="'messages.placeholder' | t"
        (input)="typed()" (keydown.enter)="enter($any($event))" [attr.aria-invalid]="!!sendError()"
        [attr.aria-describedby]="sendError() ? 'message-error' : null"></textarea>
      <button type="submit" class="btn btn-primary" [attr.aria-disabled]="sending() || null">{{ (sending() ? 'common.sending' : 'messages.send') | t }}</button>
      @if (sendError()) {
        <p id="message-error" class="field-error" role="alert">{{ sendError() }}</p>
      }
    </form>
  `,
})
export class ConversationView {
  private readonly messages = inject(MessageService);
  private readonly socket = inject(LiveSocket);
  private readonly live = inject(LiveState);
  private readonly session = inject(Session);

  readonly conversationId = input.required<number>();
  /** The list's copy of this conversation, when it has one. */
  readonly summary = input<Conversation | null>(null);
  readonly sentMessage = output<Message>();
  readonly read = output<void>();

  private readonly fetched = signal<ConversationDetail | null>(null);
  readonly headerError = signal(false);
  readonly conversation = computed(() => this.summary() ?? this.fetched());
  readonly me = computed(() => this.session.user()?.username ?? null);
  readonly partner = computed<Participant | null>(() => {
    const c = this.conversation();
    if (!c) return null;
    return c.participants.find((p) => p.username !== this.me()) ?? c.participants[0] ?? null;
  });
  readonly online = computed(() => {
    const p = this.partner();
    // null while the server cannot tell (its presence store is away): no dot, no "offline".
    return p ? (this.socket.presence().get(p.username) ?? p.online ?? null) : null;
  });

  readonly pager = new Pager<Message>((cursor) => this.messages.messages(this.conversationId(), { cursor, limit: 30 }), (m) => m.id);
  readonly ordered = computed(() => [...this.pager.items()].reverse());
  /** How far the partner has read: GET /conversations/{id}'s read_marks, then `read` frames. */
  readonly partnerRead = signal(0);
  /**
   * The message that carries "Seen": the newest one the partner has read, when it is yours.
   * Whatever the partner wrote, they had read what came before it.
   */
  readonly seenId = computed(() => {
    const me = this.me();
    const list = this.pager.items(); // newest first
    const theirs = list.find((m) => m.sender.username !== me)?.id ?? 0;
    const mark = Math.max(this.partnerRead(), theirs);
    const seen = list.find((m) => m.id <= mark);
    return seen && seen.sender.username === me ? seen.id : null;
  });
  readonly body = new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.maxLength(LIMITS.messageBodyMax)] });
  readonly maxLength = LIMITS.messageBodyMax;
  readonly sending = signal(false);
  readonly sendError = signal<string | null>(null);
  readonly typingUser = signal<string | null>(null);

  private readonly scroller = viewChild<ElementRef<HTMLElement>>('scroller');
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private lastTypingSent = 0;

  constructor() {
    effect(() => {
      const id = this.conversationId();
      untracked(() => this.open(id));
    });
    // Keep the newest message in view as the list grows at the bottom.
    effect(() => {
      if (this.pager.items().length) untracked(() => this.scrollToEnd());
    });
    this.socket
      .on('message')
      .pipe(takeUntilDestroyed())
      .subscribe((m) => {
        if (m.conversation_id !== this.conversationId()) return;
        this.pager.prepend([m]);
        if (m.sender.username !== this.me()) {
          this.typingUser.set(null);
          this.markRead();
        }
      });
    this.socket
      .on('read')
      .pipe(takeUntilDestroyed())
      .subscribe((r) => {
        if (r.conversation_id !== this.conversationId() || r.username === this.me()) return;
        this.partnerRead.update((mark) => Math.max(mark, r.last_read_message_id));
      });
    this.socket
      .on('typing')
      .pipe(takeUntilDestroyed())
      .subscribe((t) => {
        if (t.conversation_id !== this.conversationId() || t.username === this.me()) return;
        this.typingUser.set(t.username);
        if (this.typingTimer) clearTimeout(this.typingTimer);
        this.typingTimer = setTimeout(() => this.typingUser.set(null), TYPING_SHOW_MS);
      });
    inject(DestroyRef).onDestroy(() => {
      this.pager.destroy();
      if (this.typingTimer) clearTimeout(this.typingTimer);
      if (this.live.activeConversation() === this.conversationId()) this.live.activeConversation.set(null);
    });
  }

  private open(id: number): void {
    this.live.activeConversation.set(id);
    this.typingUser.set(null);
    this.sendError.set(null);
    this.headerError.set(false);
    this.fetched.set(null);
    this.partnerRead.set(0);
    this.pager.reset();
    // Always asked (the list's copy has no read marks); the header uses the list's copy meanwhile.
    this.messages.conversation(id).subscribe({
      next: (c) => {
        this.fetched.set(c);
        const marks = Object.entries(c.read_marks).filter(([name]) => name !== this.me());
        this.partnerRead.update((mark) => Math.max(mark, ...marks.map(([, upTo]) => upTo)));
      },
      error: () => this.headerError.set(!this.summary()),
    });
    this.markRead();
  }

  private markRead(): void {
    const id = this.conversationId();
    this.messages.markRead(id).subscribe({
      next: () => {
        // Best effort until the server's next `unread` frame sets the exact count.
        const unread = this.summary()?.unread_count ?? 0;
        if (unread) this.live.messagesRead(unread);
        this.read.emit();
      },
      error: () => undefined,
    });
  }

  typed(): void {
    const now = Date.now();
    if (now - this.lastTypingSent < TYPING_SEND_EVERY_MS) return;
    if (this.socket.send({ type: 'typing', conversation_id: this.conversationId() })) this.lastTypingSent = now;
  }

  enter(event: KeyboardEvent): void {
    if (event.shiftKey || event.isComposing) return;
    event.preventDefault();
    this.send();
  }

  send(): void {
    const text = this.body.value.trim();
    if (!text || this.sending()) return;
    this.sending.set(true);
    this.sendError.set(null);
    this.messages.send(this.conversationId(), text).subscribe({
      next: (m) => {
        this.sending.set(false);
        this.body.setValue('');
        this.lastTypingSent = 0;
        this.pager.prepend([m]);
        this.sentMessage.emit(m);
      },
      error: (err: unknown) => {
        this.sending.set(false);
        const e = toApiError(err);
        this.sendError.set(e.fields['body']?.join(' ') ?? e.message);
      },
    });
  }

  private scrollToEnd(): void {
    setTimeout(() => {
      const el = this.scroller()?.nativeElement;
      if (el) el.scrollTop = el.scrollHeight;
    });
  }
}
