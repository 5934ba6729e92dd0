/**
 * Threaded comments: the API sends a flat list (oldest first) with `parent_id`; this builds the
 * tree, and offers reply, edit and delete (own comments; delete also for moderators).
 */
import { ChangeDetectionStrategy, Component, DestroyRef, Injector, afterNextRender, computed, effect, inject, input, output, signal, untracked, viewChild } from '@angular/core';
import { FormControl, ReactiveFormsModule, Validators } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { Announcer } from '../../core/announcer';
import { toApiError } from '../../core/errors';
import { LIMITS } from '../../core/limits';
import { Comment, Post } from '../../core/models';
import { Session } from '../../core/session';
import { PostService } from '../../data/services';
import { Avatar } from '../../shared/avatar';
import { InternalLinks } from '../../shared/internal-links';
import { Pager } from '../../shared/pager';
import { SafetyMenu } from '../../shared/safety-menu';
import { StateMessage } from '../../shared/states';
import { TimeAgo } from '../../shared/time';
import { TPipe, t } from '../../i18n';

export interface CommentNode {
  comment: Comment;
  children: CommentNode[];
}

/** Flat list to tree; a reply whose parent is not (yet) loaded is shown at the top level. */
export function buildTree(comments: Comment[]): CommentNode[] {
  const nodes = new Map<number, CommentNode>();
  for (const c of comments) nodes.set(c.id, { comment: c, children: [] });
  const roots: CommentNode[] = [];
  for (const c of comments) {
    const node = nodes.get(c.id)!;
    const parent = c.parent_id !== null ? nodes.get(c.parent_id) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

@Component({
  selector: 'app-comment-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, TPipe],
  template: `
    <form class="comment-form" (submit)="$event.preventDefault(); submit()" (keydown.escape)="escape($event)" novalidate>
      <label [for]="fieldId()" class="label">{{ label() || ('comments.add' | t) }}</label>
      <textarea [id]="fieldId()" [formControl]="body" rows="3" [attr.maxlength]="maxLength"
        [attr.aria-invalid]="!!error()" [attr.aria-describedby]="error() ? fieldId() + '-error' : null"></textarea>
      @if (error()) {
        <p class="field-error" [id]="fieldId() + '-error'" role="alert">{{ error() }}</p>
      }
      <div class="row end">
        @if (cancellable()) {
          <button type="button" class="btn btn-ghost" (click)="cancelled.emit()">{{ 'common.cancel' | t }}</button>
        }
        <button type="submit" class="btn btn-primary" [attr.aria-disabled]="busy() || null">{{ busy() ? ('common.sending' | t) : submitLabel() || ('comments.submit' | t) }}</button>
      </div>
    </form>
  `,
})
export class CommentForm {
  readonly fieldId = input.required<string>();
  /** Translated by the caller; empty for the new-comment form's own words. */
  readonly label = input('');
  readonly submitLabel = input('');
  readonly initial = input('');
  readonly cancellable = input(false);
  readonly busy = input(false);
  readonly error = input<string | null>(null);
  readonly sent = output<string>();
  readonly cancelled = output<void>();
  readonly maxLength = LIMITS.commentBodyMax;
  readonly body = new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.maxLength(LIMITS.commentBodyMax)] });

  constructor() {
    effect(() => {
      const initial = this.initial();
      untracked(() => this.body.setValue(initial));
    });
  }

  submit(): void {
    const text = this.body.value.trim();
    // Not [disabled] while sending: a disabled button drops keyboard focus to <body>.
    if (!text || this.busy()) return;
    this.sent.emit(text);
  }

  clear(): void {
    this.body.setValue('');
  }

  /** Escape closes a reply or edit form, as Cancel does. */
  escape(event: Event): void {
    if (!this.cancellable()) return;
    event.preventDefault();
    this.cancelled.emit();
  }
}

@Component({
  selector: 'app-comment-node',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, Avatar, TimeAgo, CommentForm, InternalLinks, SafetyMenu, TPipe],
  template: `
    @let c = node().comment;
    <article class="comment" [id]="'comment-' + c.id" [attr.aria-labelledby]="'comment-' + c.id + '-by'">
      <header class="comment-head">
        @if (c.deleted) {
          <span class="muted" [id]="'comment-' + c.id + '-by'">{{ 'comments.deletedHead' | t }}</span>
        } @else {
          <a [routerLink]="['/u', c.author.username]" class="author" [id]="'comment-' + c.id + '-by'">
            <app-avatar [user]="c.author" [size]="28" />
            <span class="display-name">{{ c.author.display_name }}</span>
          </a>
        }
        <app-time [iso]="c.created_at" />
        @if (c.edited_at && !c.deleted) {
          <span class="muted small">{{ 'common.edited' | t }}</span>
        }
      </header>
      @if (c.deleted) {
        <p class="muted deleted-comment">{{ 'comments.deleted' | t }}</p>
      } @else if (thread.editing() === c.id) {
        <app-comment-form [fieldId]="'edit-' + c.id" [label]="'comments.editLabel' | t" [submitLabel]="'common.save' | t" [initial]="c.body"
          [cancellable]="true" [busy]="thread.busy()" [error]="thread.formError()" (sent)="thread.saveEdit(c, $event)" (cancelled)="thread.closeEdit(c.id)" />
      } @else {
        <div class="prose" appInternalLinks [innerHTML]="c.body_html"></div>
        <div class="comment-actions">
          @if (thread.signedIn()) {
            <button type="button" class="linklike" [id]="'btn-reply-' + c.id" (click)="thread.startReply(c.id)" [attr.aria-expanded]="thread.replyingTo() === c.id">{{ 'common.reply' | t }}</button>
          }
          @if (thread.isMine(c)) {
            <button type="button" class="linklike" [id]="'btn-edit-' + c.id" (click)="thread.startEdit(c.id)">{{ 'common.edit' | t }}</button>
          }
          @if (thread.isMine(c) || thread.moderator()) {
            <button type="button" class="linklike danger" (click)="thread.remove(c)">{{ 'common.delete' | t }}</button>
          }
          @if (thread.signedIn() && !thread.isMine(c)) {
            <app-safety-menu [author]="c.author" targetType="comment" [targetId]="c.id" [what]="'safety.whatComment' | t: { username: c.author.username }" />
          }
        </div>
      }
      @if (thread.replyingTo() === c.id) {
        <app-comment-form [fieldId]="'reply-' + c.id" [label]="'comments.replyTo' | t: { name: c.author.display_name }" [submitLabel]="'common.reply' | t"
          [cancellable]="true" [busy]="thread.busy()" [error]="thread.formError()" (sent)="thread.reply(c.id, $event)" (cancelled)="thread.closeReply(c.id)" />
      }
      @if (node().children.length) {
        <div class="replies" role="list" [attr.aria-label]="'comments.replies' | t: { name: c.author.display_name }">
          @for (child of node().children; track child.comment.id) {
            <div role="listitem"><app-comment-node [node]="child" /></div>
          }
        </div>
      }
    </article>
  `,
})
export class CommentNodeView {
  readonly thread = inject(CommentThread);
  readonly node = input.required<CommentNode>();
}

@Component({
  selector: 'app-comment-thread',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, StateMessage, CommentForm, CommentNodeView, TPipe],
  template: `
    <section class="comments" aria-labelledby="comments-title">
      <h2 id="comments-title">{{ 'comments.title' | t }} <span class="muted">({{ post().comments_count }})</span></h2>
      @if (signedIn()) {
        <app-comment-form #newForm fieldId="new-comment" [busy]="busy() && replyingTo() === null && editing() === null"
          [error]="replyingTo() === null && editing() === null ? formError() : null" (sent)="reply(null, $event)" />
      } @else {
        <p><a routerLink="/login" [queryParams]="{ returnUrl: '/p/' + post().id }">{{ 'comments.signIn' | t }}</a> {{ 'comments.toJoin' | t }}</p>
      }
      <div role="list" [attr.aria-label]="'comments.title' | t">
        @for (node of tree(); track node.comment.id) {
          <div role="listitem"><app-comment-node [node]="node" /></div>
        }
      </div>
      @if (pager.loading()) {
        <app-state kind="loading" [text]="'comments.loading' | t" />
      } @else if (pager.error()) {
        <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
      } @else if (pager.empty()) {
        <app-state kind="empty" [text]="'comments.empty' | t" />
      } @else if (!pager.done()) {
        <div class="row center"><button type="button" class="btn" (click)="pager.loadMore()">{{ 'comments.more' | t }}</button></div>
      }
    </section>
  `,
})
export class CommentThread {
  private readonly posts = inject(PostService);
  private readonly session = inject(Session);
  private readonly announcer = inject(Announcer);
  readonly post = input.required<Post>();
  readonly countChange = output<number>();

  readonly pager = new Pager<Comment>((cursor) => this.posts.comments(this.post().id, { cursor, limit: 100 }), (c) => c.id);
  readonly tree = computed(() => buildTree(this.pager.items()));
  readonly signedIn = this.session.signedIn;
  readonly moderator = this.session.isModerator;
  readonly replyingTo = signal<number | null>(null);
  readonly editing = signal<number | null>(null);
  readonly busy = signal(false);
  readonly formError = signal<string | null>(null);
  private postId: number | null = null;
  private readonly newForm = viewChild<CommentForm>('newForm');
  private readonly injector = inject(Injector);

  constructor() {
    effect(() => {
      const id = this.post().id;
      untracked(() => {
        if (id !== this.postId) {
          this.postId = id;
          this.pager.reset();
        }
      });
    });
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }

  isMine(c: Comment): boolean {
    return c.author.username === this.session.user()?.username;
  }

  startReply(id: number): void {
    this.formError.set(null);
    this.editing.set(null);
    const open = this.replyingTo() !== id;
    this.replyingTo.set(open ? id : null);
    if (open) this.focusAfterRender(`reply-${id}`);
  }

  startEdit(id: number): void {
    this.formError.set(null);
    this.replyingTo.set(null);
    this.editing.set(id);
    this.focusAfterRender(`edit-${id}`);
  }

  /** Close the reply form (Cancel, Escape, sent): focus goes back to its Reply button. */
  closeReply(id: number): void {
    this.replyingTo.set(null);
    this.focusAfterRender(`btn-reply-${id}`);
  }

  /** Close the edit form: focus goes back to its Edit button. */
  closeEdit(id: number): void {
    this.editing.set(null);
    this.focusAfterRender(`btn-edit-${id}`);
  }

  private focusAfterRender(id: string): void {
    afterNextRender(() => document.getElementById(id)?.focus(), { injector: this.injector });
  }

  reply(parentId: number | null, body: string): void {
    this.busy.set(true);
    this.formError.set(null);
    this.posts.addComment(this.post().id, body, parentId).subscribe({
      next: (comment) => {
        this.busy.set(false);
        this.pager.append([comment]);
        if (parentId !== null) this.closeReply(parentId);
        this.countChange.emit(1);
        this.announcer.announce(t(parentId ? 'comments.replyPosted' : 'comments.posted'));
        if (parentId === null) this.clearNewCommentForm();
      },
      error: (err: unknown) => {
        this.busy.set(false);
        const e = toApiError(err);
        this.formError.set(e.fields['body']?.join(' ') ?? e.fields['parent_id']?.join(' ') ?? e.message);
      },
    });
  }

  saveEdit(c: Comment, body: string): void {
    this.busy.set(true);
    this.formError.set(null);
    this.posts.editComment(c.id, body).subscribe({
      next: (updated) => {
        this.busy.set(false);
        this.pager.replace(c.id, updated);
        this.closeEdit(c.id);
        this.announcer.announce(t('comments.updated'));
      },
      error: (err: unknown) => {
        this.busy.set(false);
        const e = toApiError(err);
        this.formError.set(e.fields['body']?.join(' ') ?? e.message);
      },
    });
  }

  remove(c: Comment): void {
    if (!globalThis.confirm?.(t('comments.confirmDelete'))) return;
    this.posts.removeComment(c.id).subscribe({
      next: () => {
        // As the server does: a comment with replies keeps its place, without words.
        if (this.pager.items().some((x) => x.parent_id === c.id)) this.pager.replace(c.id, { ...c, body: '', body_html: '', deleted: true });
        else this.pager.remove(c.id);
        this.countChange.emit(-1);
        this.announcer.announce(t('comments.deletedNote'));
      },
      error: (err: unknown) => this.announcer.announce(t('comments.deleteFailed', { message: toApiError(err).message })),
    });
  }

  private clearNewCommentForm(): void {
    this.newForm()?.clear();
  }
}
