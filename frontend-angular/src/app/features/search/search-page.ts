/**
 * Search: `/search?q=&type=posts|users|tags`. Typing is debounced (300 ms) into the address, and
 * the address drives the results, so every search is a shareable link and Back works.
 */
import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Router, RouterLink } from '@angular/router';
import { Title } from '@angular/platform-browser';
import { EMPTY, Subject, debounceTime, distinctUntilChanged } from 'rxjs';
import { Post, SearchType, TagResult, UserSummary } from '../../core/models';
import { SearchService } from '../../data/services';
import { InfiniteScroll } from '../../shared/infinite-scroll';
import { Pager } from '../../shared/pager';
import { PostCard } from '../../shared/post-card';
import { StateMessage } from '../../shared/states';
import { UserList } from '../../shared/user-list';
import { TKey, TPipe, pageTitle, t, tKey } from '../../i18n';

const TYPES: SearchType[] = ['posts', 'users', 'tags'];
type Result = Post | UserSummary | TagResult;

function keyOf(item: Result): string {
  if ('id' in item) return `p${item.id}`;
  if ('username' in item) return `u${item.username}`;
  return `t${item.name}`;
}

@Component({
  selector: 'app-search-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, PostCard, UserList, InfiniteScroll, StateMessage, TPipe],
  template: `
    <section class="page" aria-labelledby="search-title">
      <h1 id="search-title">{{ 'search.title' | t }}</h1>
      <form role="search" [attr.aria-label]="'search.form' | t" class="search-form" (submit)="$event.preventDefault(); commit(term())">
        <label for="search-q" class="label">{{ 'search.label' | t }}</label>
        <input id="search-q" type="search" [value]="term()" (input)="typed($any($event.target).value)" autocomplete="off"
          [placeholder]="'search.placeholder' | t" aria-describedby="search-hint" />
        <p id="search-hint" class="hint">{{ 'search.hint' | t }}</p>
      </form>
      <nav class="tabs" [attr.aria-label]="'search.types' | t">
        @for (type of types; track type) {
          <a class="tab" [routerLink]="[]" [queryParams]="{ q: q(), type: type }" [class.active]="current() === type" [attr.aria-current]="current() === type ? 'page' : null">{{ labels[type] | t }}</a>
        }
      </nav>
      @if (!q()) {
        <app-state kind="empty" [text]="'search.start' | t" />
      } @else {
        <div aria-live="polite" class="visually-hidden">
          @if (pager.loaded() && !pager.loading()) { {{ found() }} }
        </div>
        @switch (current()) {
          @case ('posts') {
            <div class="list">
              @for (post of posts(); track post.id) {
                <app-post-card [post]="post" />
              }
            </div>
          }
          @case ('users') {
            <app-user-list [users]="users()" />
          }
          @case ('tags') {
            <ul class="tag-results">
              @for (tag of tags(); track tag.name) {
                <li>
                  <a [routerLink]="['/tags', tag.name]" class="tag">#{{ tag.name }}</a>
                  @if (tag.posts_count !== undefined) {
                    <span class="muted"> {{ 'search.tagPosts' | t: { count: tag.posts_count } }}</span>
                  }
                </li>
              }
            </ul>
          }
        }
        @if (pager.loading()) {
          <app-state kind="loading" [text]="'search.searching' | t" />
        } @else if (pager.error()) {
          <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
        } @else if (pager.empty()) {
          <app-state kind="empty" [text]="noMatch[current()] | t: { q: q() }" />
        } @else if (!pager.done()) {
          <div class="row center"><button type="button" class="btn" (click)="pager.loadMore()">{{ 'states.loadMore' | t }}</button></div>
        }
        <div class="sentinel" [appInfiniteScroll]="pager.items().length" [disabled]="pager.loading() || pager.done() || !!pager.error()" (reached)="pager.loadMore()"></div>
      }
    </section>
  `,
})
export class SearchPage {
  private readonly search = inject(SearchService);
  private readonly router = inject(Router);
  private readonly title = inject(Title);

  /** From the query string. */
  readonly q = input<string>('');
  readonly type = input<string>('posts');
  readonly current = computed<SearchType>(() => (TYPES.includes(this.type() as SearchType) ? (this.type() as SearchType) : 'posts'));
  readonly types = TYPES;
  readonly labels: Record<SearchType, TKey> = { posts: tKey('search.posts'), users: tKey('search.users'), tags: tKey('search.tags') };
  readonly noMatch: Record<SearchType, TKey> = { posts: tKey('search.noPosts'), users: tKey('search.noUsers'), tags: tKey('search.noTags') };
  private readonly foundKeys: Record<SearchType, TKey> = { posts: tKey('search.foundPosts'), users: tKey('search.foundUsers'), tags: tKey('search.foundTags') };

  readonly term = signal('');
  private readonly typing = new Subject<string>();

  readonly pager = new Pager<Result>(
    (cursor) => (this.q().trim() ? this.search.search(this.q().trim(), this.current(), { cursor }) : EMPTY),
    keyOf,
  );
  readonly posts = computed(() => this.pager.items() as Post[]);
  readonly users = computed(() => this.pager.items() as UserSummary[]);
  readonly tags = computed(() => this.pager.items() as TagResult[]);

  constructor() {
    effect(() => {
      const q = this.q();
      this.current();
      untracked(() => {
        if (q !== this.term()) this.term.set(q ?? '');
        this.title.setTitle(pageTitle(q?.trim() ? t('search.pageTitle', { q: q.trim() }) : t('titles.search')));
        if (q?.trim()) this.pager.reset();
      });
    });
    this.typing
      .pipe(debounceTime(300), distinctUntilChanged(), takeUntilDestroyed())
      .subscribe((value) => this.commit(value));
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
  }

  /** For screen readers: "12 posts found", "20+ people found" while more pages remain. */
  found(): string {
    const count = this.pager.items().length;
    return t(this.foundKeys[this.current()], { count, more: this.pager.done() ? '' : '+' });
  }

  typed(value: string): void {
    this.term.set(value);
    this.typing.next(value);
  }

  commit(value: string): void {
    const q = value.trim();
    if (q === (this.q() ?? '').trim()) return;
    void this.router.navigate([], { queryParams: { q: q || null, type: this.current() }, replaceUrl: true });
  }
}
