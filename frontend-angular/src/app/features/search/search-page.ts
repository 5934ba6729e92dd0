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
  imports: [RouterLink, PostCard, UserList, InfiniteScroll, StateMessage],
  template: `
    <section class="page" aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      <form role="search" aria-label="Search page" class="search-form" (submit)="$event.preventDefault(); commit(term())">
        <label for="search-q" class="label">Search for</label>
        <input id="search-q" type="search" [value]="term()" (input)="typed($any($event.target).value)" autocomplete="off"
          placeholder='words, "a phrase", -exclude' aria-describedby="search-hint" />
        <p id="search-hint" class="hint">Use quotes for phrases and a minus sign to leave a word out.</p>
      </form>
      <nav class="tabs" aria-label="Result type">
        @for (t of types; track t) {
          <a class="tab" [routerLink]="[]" [queryParams]="{ q: q(), type: t }" [class.active]="current() === t" [attr.aria-current]="current() === t ? 'page' : null">{{ labels[t] }}</a>
        }
      </nav>
      @if (!q()) {
        <app-state kind="empty" text="Type something to search posts, people and tags." />
      } @else {
        <div aria-live="polite" class="visually-hidden">
          @if (pager.loaded() && !pager.loading()) { {{ pager.items().length }}{{ pager.done() ? '' : '+' }} {{ labels[current()].toLowerCase() }} found }
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
                    <span class="muted"> {{ tag.posts_count }} posts</span>
                  }
                </li>
              }
            </ul>
          }
        }
        @if (pager.loading()) {
          <app-state kind="loading" text="Searching…" />
        } @else if (pager.error()) {
          <app-state kind="error" [text]="pager.error()" (retry)="pager.loadMore()" />
        } @else if (pager.empty()) {
          <app-state kind="empty" [text]="'No ' + labels[current()].toLowerCase() + ' match “' + q() + '”.'" />
        } @else if (!pager.done()) {
          <div class="row center"><button type="button" class="btn" (click)="pager.loadMore()">Load more</button></div>
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
  readonly labels: Record<SearchType, string> = { posts: 'Posts', users: 'People', tags: 'Tags' };

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
        this.title.setTitle(q?.trim() ? `“${q.trim()}” · Search · DevThread` : 'Search · DevThread');
        if (q?.trim()) this.pager.reset();
      });
    });
    this.typing
      .pipe(debounceTime(300), distinctUntilChanged(), takeUntilDestroyed())
      .subscribe((value) => this.commit(value));
    inject(DestroyRef).onDestroy(() => this.pager.destroy());
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
