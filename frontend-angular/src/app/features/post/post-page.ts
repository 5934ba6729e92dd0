/** One post: full body, reactions, bookmark, edit/delete for its author, and the comment thread. */
import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { Router } from '@angular/router';
import { Title } from '@angular/platform-browser';
import { Announcer } from '../../core/announcer';
import { toApiError } from '../../core/errors';
import { Post } from '../../core/models';
import { Session } from '../../core/session';
import { PostService } from '../../data/services';
import { Composer } from '../../shared/composer';
import { PostCard } from '../../shared/post-card';
import { StateMessage } from '../../shared/states';
import { CommentThread } from './comment-thread';
import { TPipe, pageTitle, t } from '../../i18n';

/** How much of a post's body its page title shows. */
const TITLE_EXCERPT = 60;

@Component({
  selector: 'app-post-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [PostCard, Composer, StateMessage, CommentThread, TPipe],
  template: `
    <section class="page" aria-labelledby="post-title">
      <h1 id="post-title" class="visually-hidden">
        {{ post() ? ('post.by' | t: { name: post()!.author.display_name }) : ('titles.post' | t) }}
      </h1>
      @if (loading()) {
        <app-state kind="loading" [text]="'post.loading' | t" />
      } @else if (error()) {
        <app-state kind="error" [text]="error()" (retry)="load()" />
      } @else if (post(); as p) {
        @if (editing()) {
          <app-composer [post]="p" (saved)="edited($event)" (cancelled)="editing.set(false)" />
        } @else {
          <app-post-card [post]="p" [detail]="true" />
          @if (canEdit() || canDelete()) {
            <div class="row end owner-actions">
              @if (canEdit()) {
                <button type="button" class="btn btn-ghost" (click)="editing.set(true)">{{ 'post.edit' | t }}</button>
              }
              @if (canDelete()) {
                <button type="button" class="btn btn-danger" (click)="remove(p)" [disabled]="deleting()">{{ 'post.delete' | t }}</button>
              }
            </div>
          }
        }
        <app-comment-thread [post]="p" (countChange)="commentsChanged($event)" />
      }
    </section>
  `,
})
export class PostPage {
  private readonly posts = inject(PostService);
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  private readonly announcer = inject(Announcer);
  private readonly title = inject(Title);

  readonly id = input.required<string>();
  readonly post = signal<Post | null>(null);
  readonly loading = signal(true);
  readonly error = signal<string | null>(null);
  readonly editing = signal(false);
  readonly deleting = signal(false);
  readonly canEdit = computed(() => this.post()?.author.username === this.session.user()?.username);
  readonly canDelete = computed(() => this.canEdit() || (!!this.post() && this.session.isModerator()));

  constructor() {
    effect(() => {
      this.id();
      untracked(() => this.load());
    });
  }

  load(): void {
    const id = Number(this.id());
    this.loading.set(true);
    this.error.set(null);
    this.editing.set(false);
    if (!Number.isInteger(id) || id <= 0) {
      this.error.set(t('post.missing'));
      this.loading.set(false);
      return;
    }
    this.posts.get(id).subscribe({
      next: (post) => {
        // Your own draft has no page yet: it is edited and published from the drafts.
        if (post.draft) {
          void this.router.navigate(['/drafts']);
          return;
        }
        this.post.set(post);
        const excerpt = post.body.replace(/\s+/g, ' ').slice(0, TITLE_EXCERPT);
        this.title.setTitle(pageTitle(t('post.title', { name: post.author.display_name, excerpt: `${excerpt}${post.body.length > TITLE_EXCERPT ? '…' : ''}` })));
        this.loading.set(false);
      },
      error: (err: unknown) => {
        this.error.set(toApiError(err).message);
        this.loading.set(false);
      },
    });
  }

  edited(post: Post): void {
    this.post.set(post);
    this.editing.set(false);
  }

  commentsChanged(delta: number): void {
    this.post.update((p) => (p ? { ...p, comments_count: Math.max(0, p.comments_count + delta) } : p));
  }

  remove(post: Post): void {
    if (!globalThis.confirm?.(t('post.confirmDelete'))) return;
    this.deleting.set(true);
    this.posts.remove(post.id).subscribe({
      next: () => {
        this.announcer.announce(t('post.deleted'));
        void this.router.navigateByUrl('/');
      },
      error: (err: unknown) => {
        this.deleting.set(false);
        this.announcer.announce(t('post.deleteFailed', { message: toApiError(err).message }));
      },
    });
  }
}
