/**
 * Cursor pagination state for one list: walks `next_cursor` page by page, never shows an item
 * twice (items are keyed), and exposes loading / error / empty / done as signals.
 */
import { computed, signal } from '@angular/core';
import { Observable, Subscription } from 'rxjs';
import { toApiError } from '../core/errors';
import { Page } from '../core/models';

export type Key = string | number;

export class Pager<T> {
  readonly items = signal<T[]>([]);
  readonly loading = signal(false);
  readonly error = signal<string | null>(null);
  readonly done = signal(false);
  readonly loaded = signal(false);
  readonly empty = computed(() => this.loaded() && this.items().length === 0 && !this.error());

  private cursor: string | null = null;
  private readonly keys = new Set<Key>();
  private sub: Subscription | null = null;
  private generation = 0;

  constructor(
    private fetchPage: (cursor: string | null) => Observable<Page<T>>,
    private readonly key: (item: T) => Key,
  ) {}

  /** Start over (a new tab, a new query), optionally with another fetch function. */
  reset(fetchPage?: (cursor: string | null) => Observable<Page<T>>): void {
    if (fetchPage) this.fetchPage = fetchPage;
    this.sub?.unsubscribe();
    this.sub = null;
    this.generation++;
    this.cursor = null;
    this.keys.clear();
    this.items.set([]);
    this.loading.set(false);
    this.error.set(null);
    this.done.set(false);
    this.loaded.set(false);
    this.loadMore();
  }

  /** Fetch the next page, unless one is loading or there is none. */
  loadMore(): void {
    if (this.loading() || this.done()) return;
    this.loading.set(true);
    this.error.set(null);
    const sent = this.cursor;
    const generation = this.generation;
    this.sub = this.fetchPage(sent).subscribe({
      next: (page) => {
        if (generation !== this.generation) return;
        this.append(page.items);
        this.cursor = page.next_cursor;
        // A cursor that does not move would loop forever: treat it as the end.
        this.done.set(!page.next_cursor || page.next_cursor === sent);
        this.loaded.set(true);
        this.loading.set(false);
      },
      error: (error: unknown) => {
        if (generation !== this.generation) return;
        this.error.set(toApiError(error).message);
        this.loaded.set(true);
        this.loading.set(false);
      },
    });
  }

  has(key: Key): boolean {
    return this.keys.has(key);
  }

  /** Add items at the top (live events, a new post); ones already shown are skipped. */
  prepend(items: T[]): void {
    const fresh = this.unseen(items);
    if (fresh.length) this.items.update((list) => [...fresh, ...list]);
  }

  /** Add items at the bottom (a sent message, a new comment). */
  append(items: T[]): void {
    const fresh = this.unseen(items);
    if (fresh.length) this.items.update((list) => [...list, ...fresh]);
  }

  replace(key: Key, item: T): void {
    this.items.update((list) => list.map((x) => (this.key(x) === key ? item : x)));
  }

  remove(key: Key): void {
    this.keys.delete(key);
    this.items.update((list) => list.filter((x) => this.key(x) !== key));
  }

  destroy(): void {
    this.sub?.unsubscribe();
    this.generation++;
  }

  private unseen(items: T[]): T[] {
    const fresh: T[] = [];
    for (const item of items) {
      const k = this.key(item);
      if (this.keys.has(k)) continue;
      this.keys.add(k);
      fresh.push(item);
    }
    return fresh;
  }
}
