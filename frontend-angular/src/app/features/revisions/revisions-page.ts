/** A post's edit history: each earlier version against the one that replaced it. */
import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { RouterLink } from '@angular/router';
import { toApiError } from '../../core/errors';
import { Post, Revision } from '../../core/models';
import { PostService } from '../../data/services';
import { Pager } from '../../shared/pager';
import { StateMessage } from '../../shared/states';
import { TimeAgo } from '../../shared/time';
import { DiffPart, wordDiff } from '../../shared/word-diff';
import { TPipe } from '../../i18n';

@Component({
  selector: 'app-revisions-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, StateMessage, TimeAgo, TPipe],
  template: `
    <section class="page" aria-labelledby="revisions-title">
      <h1 id="revisions-title">{{ 'revisions.title' | t }}</h1>
      @if (post(); as p) {
        <p><a [routerLink]="['/p', p.id]">{{ 'revisions.back' | t: { name: p.author.display_name } }}</a></p>
        <p class="muted">{{ 'revisions.about' | t }}</p>
        <section class="card" aria-labelledby="current-version">
          <h2 id="current-version">{{ 'revisions.current' | t }}</h2>
          <pre class="revision-body">{{ p.body }}</pre>
        </section>
      } @else if (error()) {
        <app-state kind="error" [text]="error()" (retry)="load()" />
      }
      <ol class="list plain-list">
        @for (change of changes(); track $index) {
          <li class="card revision">
            <h2>{{ 'revisions.versionOf' | t }} <app-time [iso]="change.revision.edited_at" /></h2>
            <pre class="revision-diff">@for (part of change.parts; track $index) {@switch (part.kind) {@case ('removed') {<del><span class="visually-hidden">{{ 'revisions.removed' | t }} </span>{{ part.text }}</del>}@case ('added') {<ins><span class="visually-hidden">{{ 'revisions.added' | t }} </span>{{ part.text }}</ins>}@default {{{ part.text }}}}}</pre>
          </li>
        }
      </ol>
      @if (pager.loading()) {
        <app-state kind="loading" [text]="'revisions.loading' | t" />
      } @else if (pager.error()) {
        <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
      } @else if (pager.empty()) {
        <app-state kind="empty" [text]="'revisions.empty' | t" />
      } @else if (!pager.done()) {
        <div class="row center"><button type="button" class="btn" (click)="pager.loadMore()">{{ 'states.loadMore' | t }}</button></div>
      }
    </section>
  `,
})
export class RevisionsPage {
  private readonly posts = inject(PostService);
  readonly id = input.required<string>();
  readonly post = signal<Post | null>(null);
  readonly error = signal<string | null>(null);
  readonly pager = new Pager<Revision>((cursor) => this.posts.revisions(Number(this.id()), { cursor }), (r) => `${r.edited_at}|${r.body}`);
  /** Each version with its differences from the next newer one (the post itself for the first). */
  readonly changes = computed(() => {
    const list = this.pager.items();
    const current = this.post()?.body ?? '';
    return list.map((revision, i): { revision: Revision; parts: DiffPart[] } => ({
      revision,
      parts: wordDiff(revision.body, i === 0 ? current : list[i - 1].body),
    }));
  });

  constructor() {
    effect(() => {
      this.id();
      untracked(() => this.load());
    });
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }

  load(): void {
    this.error.set(null);
    this.posts.get(Number(this.id())).subscribe({
      next: (post) => {
        this.post.set(post);
        this.pager.reset();
      },
      error: (err: unknown) => this.error.set(toApiError(err).message),
    });
  }
}
