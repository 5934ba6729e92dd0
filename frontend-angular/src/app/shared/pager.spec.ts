import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { Observable, of, throwError } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { Page } from '../core/models';
import { MockDb, provideMockData } from '../data/mock';
import { httpError } from '../data/mock/mock-db';
import { FeedService } from '../data/services';
import { Pager } from './pager';

describe('Pager (cursor walking)', () => {
  let feeds: FeedService;
  let db: MockDb;

  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    feeds = TestBed.inject(FeedService);
    db = TestBed.inject(MockDb);
  });

  it('walks every page of the latest feed and shows each post exactly once', () => {
    const pager = new Pager((cursor) => feeds.feed('latest', { cursor, limit: 10 }), (p) => p.id);
    pager.reset();
    let pages = 1;
    while (!pager.done()) {
      pager.loadMore();
      pages++;
    }
    const ids = pager.items().map((p) => p.id);
    expect(pages).toBe(5); // 45 posts, 10 a page
    expect(ids.length).toBe(45);
    expect(new Set(ids).size).toBe(45);
    expect(ids).toEqual([...ids].sort((a, b) => b - a)); // newest first
  });

  it('has no duplicates or gaps while new posts arrive between pages', () => {
    const pager = new Pager((cursor) => feeds.feed('latest', { cursor, limit: 10 }), (p) => p.id);
    pager.reset();
    db.addPost('grace', 'A brand new post while you scroll');
    db.addPost('linus', 'Another one');
    while (!pager.done()) pager.loadMore();
    const ids = pager.items().map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(45); // the new ones are above the first page, not mixed in
  });

  it('drops items a page repeats (an overlapping server page) and stops on a cursor that does not move', () => {
    const pages: Record<string, Page<{ id: number }>> = {
      start: { items: [{ id: 5 }, { id: 4 }], next_cursor: 'c1' },
      c1: { items: [{ id: 4 }, { id: 3 }], next_cursor: 'c2' },
      c2: { items: [{ id: 2 }], next_cursor: 'c2' },
    };
    const sent: (string | null)[] = [];
    const pager = new Pager<{ id: number }>((cursor) => {
      sent.push(cursor);
      return of(pages[cursor ?? 'start']);
    }, (x) => x.id);
    pager.reset();
    pager.loadMore();
    pager.loadMore();
    pager.loadMore(); // done: no request
    expect(sent).toEqual([null, 'c1', 'c2']);
    expect(pager.items().map((x) => x.id)).toEqual([5, 4, 3, 2]);
    expect(pager.done()).toBe(true);
  });

  it('shows an error, keeps what it had, and resumes from the same cursor on retry', () => {
    let fail = true;
    const sent: (string | null)[] = [];
    const fetch = (cursor: string | null): Observable<Page<{ id: number }>> => {
      sent.push(cursor);
      if (cursor === 'c1' && fail) return throwError(() => httpError(503, 'unavailable', 'Try later.'));
      return of(cursor ? { items: [{ id: 1 }], next_cursor: null } : { items: [{ id: 2 }], next_cursor: 'c1' });
    };
    const pager = new Pager(fetch, (x) => x.id);
    pager.reset();
    pager.loadMore();
    expect(pager.error()).toBe('Try later.');
    expect(pager.items().length).toBe(1);
    fail = false;
    pager.loadMore();
    expect(sent).toEqual([null, 'c1', 'c1']);
    expect(pager.items().map((x) => x.id)).toEqual([2, 1]);
    expect(pager.done()).toBe(true);
    expect(pager.error()).toBeNull();
  });

  it('prepends live items without duplicating ones already listed', () => {
    const pager = new Pager((cursor) => feeds.feed('latest', { cursor, limit: 5 }), (p) => p.id);
    pager.reset();
    const first = pager.items()[0];
    const fresh = db.postObject(db.addPost('ken', 'Live!'), null);
    pager.prepend([fresh, first]);
    expect(pager.items().length).toBe(6);
    expect(pager.items()[0].id).toBe(fresh.id);
  });

  it('reports an empty list', () => {
    const pager = new Pager(() => of({ items: [], next_cursor: null }), (x: { id: number }) => x.id);
    pager.reset();
    expect(pager.empty()).toBe(true);
  });
});
