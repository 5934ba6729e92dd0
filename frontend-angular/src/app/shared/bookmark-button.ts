import { ChangeDetectionStrategy, Component, inject, input, linkedSignal, signal } from '@angular/core';
import { Router } from '@angular/router';
import { Announcer } from '../core/announcer';
import { toApiError } from '../core/errors';
import { Post } from '../core/models';
import { Session } from '../core/session';
import { PostService } from '../data/services';
import { TPipe, t } from '../i18n';

/** Bookmark toggle, optimistic with rollback. */
@Component({
  selector: 'app-bookmark-button',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [TPipe],
  template: `
    <button
      type="button"
      class="btn btn-ghost"
      [attr.aria-pressed]="bookmarked()"
      [attr.aria-disabled]="busy() || null"
      (click)="toggle()"
    >
      <span aria-hidden="true">{{ bookmarked() ? '★' : '☆' }}</span>
      {{ (bookmarked() ? 'bookmark.on' : 'bookmark.off') | t }}
    </button>
  `,
})
export class BookmarkButton {
  private readonly posts = inject(PostService);
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  private readonly announcer = inject(Announcer);
  readonly post = input.required<Post>();
  readonly bookmarked = linkedSignal(() => this.post().bookmarked);
  readonly busy = signal(false);

  toggle(): void {
    if (!this.session.signedIn()) {
      void this.router.navigate(['/login'], { queryParams: { returnUrl: this.router.url } });
      return;
    }
    // Not [disabled] while saving: a disabled button drops keyboard focus to <body>.
    if (this.busy()) return;
    const before = this.bookmarked();
    this.bookmarked.set(!before);
    this.busy.set(true);
    const id = this.post().id;
    (before ? this.posts.unbookmark(id) : this.posts.bookmark(id)).subscribe({
      next: () => {
        this.busy.set(false);
        this.announcer.announce(t(before ? 'bookmark.removed' : 'bookmark.added'));
      },
      error: (err: unknown) => {
        this.bookmarked.set(before);
        this.busy.set(false);
        this.announcer.announce(t('bookmark.failed', { message: toApiError(err).message }));
      },
    });
  }
}
