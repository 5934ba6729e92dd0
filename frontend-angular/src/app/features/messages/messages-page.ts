/**
 * Direct messages: the conversation list (live: a new message moves its conversation to the top)
 * beside the open conversation. On a phone only one of the two shows at a time.
 */
import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { toApiError } from '../../core/errors';
import { LiveSocket } from '../../core/live-socket';
import { Conversation, Message } from '../../core/models';
import { Session } from '../../core/session';
import { MessageService } from '../../data/services';
import { Avatar } from '../../shared/avatar';
import { Pager } from '../../shared/pager';
import { StateMessage } from '../../shared/states';
import { TimeAgo } from '../../shared/time';
import { ConversationView } from './conversation-view';
import { TPipe } from '../../i18n';

@Component({
  selector: 'app-messages-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, ReactiveFormsModule, Avatar, TimeAgo, StateMessage, ConversationView, TPipe],
  template: `
    <div class="page wide messages" [class.has-open]="!!openId()">
      <section class="conversations" aria-labelledby="conv-title">
        <h1 id="conv-title">{{ 'messages.title' | t }}</h1>
        <form class="new-conversation" (submit)="$event.preventDefault(); start()" novalidate>
          <label for="new-conv-user" class="label">{{ 'messages.messageSomeone' | t }}</label>
          <div class="row">
            <input id="new-conv-user" [formControl]="who" [placeholder]="'messages.usernamePlaceholder' | t" autocomplete="off"
              [attr.aria-invalid]="!!startError()" [attr.aria-describedby]="startError() ? 'new-conv-error' : null" />
            <button type="submit" class="btn btn-primary" [disabled]="starting()">{{ 'messages.start' | t }}</button>
          </div>
          @if (startError()) {
            <p id="new-conv-error" class="field-error" role="alert">{{ startError() }}</p>
          }
        </form>
        <ul class="conversation-list">
          @for (c of pager.items(); track c.id) {
            @let partner = partnerOf(c);
            <li>
              <a [routerLink]="['/messages', c.id]" class="conversation-row" [class.active]="openId() === c.id" [attr.aria-current]="openId() === c.id ? 'page' : null">
                <app-avatar [user]="partner" [size]="40" [online]="isOnline(partner)" />
                <span class="conversation-text">
                  <span class="display-name">{{ partner.display_name }}</span>
                  <span class="muted small ellipsis">{{ c.last_message?.body ?? ('messages.noMessages' | t) }}</span>
                </span>
                <span class="conversation-meta">
                  <app-time [iso]="c.updated_at" />
                  @if (c.unread_count > 0 && openId() !== c.id) {
                    <span class="badge">{{ c.unread_count }}<span class="visually-hidden"> {{ 'nav.unread' | t }}</span></span>
                  }
                </span>
              </a>
            </li>
          }
        </ul>
        @if (pager.loading()) {
          <app-state kind="loading" [text]="'messages.loading' | t" />
        } @else if (pager.error()) {
          <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
        } @else if (pager.empty()) {
          <app-state kind="empty" [text]="'messages.empty' | t" />
        } @else if (!pager.done()) {
          <div class="row center"><button type="button" class="btn" (click)="pager.loadMore()">{{ 'messages.more' | t }}</button></div>
        }
      </section>
      <section class="conversation-pane" [attr.aria-label]="'messages.conversation' | t">
        @if (openId(); as cid) {
          <p class="back-link"><a routerLink="/messages">← {{ 'messages.all' | t }}</a></p>
          <app-conversation [conversationId]="cid" [summary]="openSummary()" (sentMessage)="touched($event)" (read)="markedRead(cid)" />
        } @else {
          <app-state kind="empty" [text]="'messages.choose' | t" />
        }
      </section>
    </div>
  `,
})
export class MessagesPage {
  private readonly messages = inject(MessageService);
  private readonly session = inject(Session);
  private readonly socket = inject(LiveSocket);
  private readonly router = inject(Router);

  readonly id = input<string | undefined>(undefined);
  readonly openId = computed(() => {
    const n = Number(this.id());
    return Number.isInteger(n) && n > 0 ? n : null;
  });
  readonly openSummary = computed(() => this.pager.items().find((c) => c.id === this.openId()) ?? null);

  readonly pager = new Pager<Conversation>((cursor) => this.messages.conversations({ cursor }), (c) => c.id);
  readonly who = new FormControl('', { nonNullable: true, validators: [Validators.required] });
  readonly starting = signal(false);
  readonly startError = signal<string | null>(null);

  constructor() {
    this.pager.reset();
    this.socket
      .on('message')
      .pipe(takeUntilDestroyed())
      .subscribe((m) => this.incoming(m));
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }

  partnerOf(c: Conversation) {
    const me = this.session.user()?.username;
    return c.participants.find((p) => p.username !== me) ?? c.participants[0];
  }

  isOnline(user: { username: string; online?: boolean | null }): boolean | null | undefined {
    return this.socket.presence().get(user.username) ?? user.online;
  }

  start(): void {
    const username = this.who.value.trim().replace(/^@/, '');
    if (!username) return;
    this.starting.set(true);
    this.startError.set(null);
    this.messages.open(username).subscribe({
      next: (c) => {
        this.starting.set(false);
        this.who.setValue('');
        this.pager.prepend([c]);
        void this.router.navigate(['/messages', c.id]);
      },
      error: (err: unknown) => {
        this.starting.set(false);
        const e = toApiError(err);
        this.startError.set(e.fields['username']?.join(' ') ?? e.message);
      },
    });
  }

  /** A live message: update (and lift) its conversation, or reload the list for a new one. */
  private incoming(m: Message): void {
    const existing = this.pager.items().find((c) => c.id === m.conversation_id);
    if (!existing) {
      this.pager.reset();
      return;
    }
    const mine = m.sender.username === this.session.user()?.username;
    const unread = mine || this.openId() === m.conversation_id ? existing.unread_count : existing.unread_count + 1;
    this.lift({ ...existing, last_message: m, updated_at: m.created_at, unread_count: unread });
  }

  touched(m: Message): void {
    const existing = this.pager.items().find((c) => c.id === m.conversation_id);
    if (existing) this.lift({ ...existing, last_message: m, updated_at: m.created_at });
  }

  markedRead(id: number): void {
    const existing = this.pager.items().find((c) => c.id === id);
    if (existing && existing.unread_count) this.pager.replace(id, { ...existing, unread_count: 0 });
  }

  private lift(c: Conversation): void {
    this.pager.items.update((list) => [c, ...list.filter((x) => x.id !== c.id)]);
  }
}
