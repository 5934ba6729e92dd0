/** Your drafts (seen by you alone): edit, publish or delete each. */
import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { Observable } from 'rxjs';
import { Announcer } from '../../core/announcer';
import { toApiError } from '../../core/errors';
import { Post } from '../../core/models';
import { PostService } from '../../data/services';
import { Composer } from '../../shared/composer';
import { InfiniteScroll } from '../../shared/infinite-scroll';
import { Pager } from '../../shared/pager';
import { StateMessage } from '../../shared/states';
import { TimeAgo } from '../../shared/time';
import { TPipe, t } from '../../i18n';

/** How much of a draft's body its row shows. */
const EXCERPT = 120;

@Component({
  selector: 'app-drafts-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [Composer, InfiniteScroll, StateMessage, TimeAgo, RouterLink, TPipe],
  template: `
    <section class="page" aria-labelledby="drafts-title">
      <h1 id="drafts-title">{{ 'drafts.title' | t }}</h1>
      <p class="muted">{{ 'drafts.about' | t }}</p>
      @if (problem()) {
        <p class="form-error" role="alert">{{ problem() }}</p>
      }
      <ul class="list plain-list">
        @for (draft of pager.items(); track draft.id) {
          <li class="card draft">
            @if (editing() === draft.id) {
              <app-composer [post]="draft" (saved)="saved($event)" (cancelled)="editing.set(null)" />
            } @else {
              <article [attr.aria-labelledby]="'draft-' + draft.id">
                <h2 class="draft-title" [id]="'draft-' + draft.id">{{ excerpt(draft) }}</h2>
                <p class="muted small">{{ 'drafts.savedAt' | t }} <app-time [iso]="draft.edited_at ?? draft.created_at" /></p>
                <div class="row">
                  <button type="button" class="btn btn-ghost" (click)="editing.set(draft.id)">
                    {{ 'common.edit' | t }}<span class="visually-hidden"> {{ 'drafts.which' | t: { excerpt: excerpt(draft) } }}</span>
                  </button>
                  <button type="button" class="btn btn-primary" [disabled]="busy() === draft.id" (click)="publish(draft)">
                    {{ 'drafts.publish' | t }}<span class="visually-hidden"> {{ 'drafts.which' | t: { excerpt: excerpt(draft) } }}</span>
                  </button>
                  <button type="button" class="btn btn-danger" [disabled]="busy() === draft.id" (click)="remove(draft)">
                    {{ 'common.delete' | t }}<span class="visually-hidden"> {{ 'drafts.which' | t: { excerpt: excerpt(draft) } }}</span>
                  </button>
                </div>
              </article>
            }
          </li>
        }
      </ul>
      @if (lastPublished(); as id) {
        <p class="state"><a [routerLink]="['/p', id]">{{ 'drafts.seePublished' | t }}</a></p>
      }
      @if (pager.loading()) {
        <app-state kind="loading" [text]="'drafts.loading' | t" />
      } @else if (pager.error()) {
        <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
      } @else if (pager.empty() || (pager.loaded() && !pager.items().length)) {
        <app-state kind="empty" [text]="'drafts.empty' | t" />
      } @else if (!pager.done()) {
        <div class="row center"><button type="button" class="btn" (click)="pager.loadMore()">{{ 'states.loadMore' | t }}</button></div>
      }
      <div class="sentinel" [appInfiniteScroll]="pager.items().length" [disabled]="pager.loading() || pager.done() || !!pager.error()" (reached)="pager.loadMore()"></div>
    </section>
  `,
})
export class DraftsPage {
  private readonly posts = inject(PostService);
  private readonly announcer = inject(Announcer);
  readonly pager = new Pager<Post>((cursor) => this.posts.drafts({ cursor }), (p) => p.id);
  readonly editing = signal<number | null>(null);
  readonly busy = signal<number | null>(null);
  readonly problem = signal<string | null>(null);
  readonly lastPublished = signal<number | null>(null);

  constructor() {
    this.pager.reset();
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }

  excerpt(draft: Post): string {
    const text = draft.body.replace(/\s+/g, ' ').trim();
    return text.length > EXCERPT ? `${text.slice(0, EXCERPT - 1)}…` : text;
  }

  saved(draft: Post): void {
    this.editing.set(null);
    this.pager.items.update((list) => list.map((d) => (d.id === draft.id ? draft : d)));
    this.announcer.announce(t('drafts.saved'));
  }

  publish(draft: Post): void {
    this.act(draft, this.posts.publish(draft.id), t('drafts.published'));
  }

  remove(draft: Post): void {
    if (!confirm(t('drafts.confirmDelete'))) return;
    this.act(draft, this.posts.remove(draft.id), t('drafts.deleted'));
  }

  private act(draft: Post, request: Observable<Post | void>, done: string): void {
    this.busy.set(draft.id);
    this.problem.set(null);
    request.subscribe({
      next: (result: Post | void) => {
        this.busy.set(null);
        this.pager.items.update((list) => list.filter((d) => d.id !== draft.id));
        if (result) this.lastPublished.set(draft.id);
        this.announcer.announce(done);
      },
      error: (err: unknown) => {
        this.busy.set(null);
        this.problem.set(toApiError(err).message);
      },
    });
  }
}
