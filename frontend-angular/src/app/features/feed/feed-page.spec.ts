import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { Subject } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeJwt, tokens } from '../../../testing/helpers';
import { Announcer } from '../../core/announcer';
import { LiveSocket } from '../../core/live-socket';
import { ServerFrame } from '../../core/models';
import { Session } from '../../core/session';
import { MockDb, provideMockData } from '../../data/mock';
import { FeedPage } from './feed-page';

describe('FeedPage', () => {
  const frames = new Subject<ServerFrame>();

  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideRouter([]), ...provideMockData()],
    });
    // The page only listens to the socket; feed it frames directly.
    const socket = TestBed.inject(LiveSocket);
    (socket as unknown as { frames$: Subject<ServerFrame> }).frames$ = frames;
  });

  async function render(feed: 'default' | 'latest' | 'trending' | 'home' = 'default') {
    const fixture = TestBed.createComponent(FeedPage);
    fixture.componentRef.setInput('feed', feed);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const tabs = [...root.querySelectorAll('nav[aria-label=Feeds] a')].map((a) => ({
      label: a.textContent!.trim(),
      current: a.getAttribute('aria-current') === 'page',
    }));
    return { fixture, root, tabs };
  }

  it('signed out: Latest and Trending only, `/` shows Latest', async () => {
    const { root, tabs } = await render();
    expect(tabs).toEqual([
      { label: 'Latest', current: true },
      { label: 'Trending', current: false },
    ]);
    expect(root.querySelectorAll('app-post-card').length).toBe(20);
    expect(root.querySelector('app-composer')).toBeNull();
  });

  it('signed in: Home tab first and current, showing only followed people and yourself', async () => {
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1'));
    const { root, tabs } = await render();
    expect(tabs.map((t) => t.label)).toEqual(['Home', 'Latest', 'Trending']);
    expect(tabs[0].current).toBe(true);
    const authors = new Set([...root.querySelectorAll('.post .username')].map((e) => e.textContent!.trim()));
    for (const a of authors) expect(['@ada', '@grace', '@linus', '@margaret', '@alan']).toContain(a);
    expect(root.querySelector('app-composer')).not.toBeNull();
  });

  it('trending tab is marked current and has no composer', async () => {
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1'));
    const { root, tabs } = await render('trending');
    expect(tabs.find((t) => t.current)?.label).toBe('Trending');
    expect(root.querySelector('app-composer')).toBeNull();
  });

  it('collects live posts in an "N new posts" banner and shows them on demand', async () => {
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1'));
    const { fixture, root } = await render('latest');
    const db = TestBed.inject(MockDb);
    const a = db.postObject(db.addPost('grace', 'Live one'), 'ada');
    const b = db.postObject(db.addPost('linus', 'Live two'), 'ada');
    frames.next({ id: null, type: 'post.created', data: a });
    frames.next({ id: null, type: 'post.created', data: b });
    frames.next({ id: null, type: 'post.created', data: a }); // duplicate
    await fixture.whenStable();
    const banner = root.querySelector<HTMLButtonElement>('.new-posts')!;
    expect(banner.textContent).toContain('Show 2 new posts');
    banner.click();
    await fixture.whenStable();
    expect(root.querySelector('.new-posts')).toBeNull();
    expect(root.querySelector('app-post-card .prose')?.textContent).toContain('Live two');
  });

  it('says new posts arrived, and "Show" focuses the newest one (not the old first post)', async () => {
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1'));
    const { fixture, root } = await render('latest');
    const announcer = TestBed.inject(Announcer);
    const db = TestBed.inject(MockDb);
    const a = db.postObject(db.addPost('grace', 'Live one'), 'ada');
    const b = db.postObject(db.addPost('linus', 'Live two'), 'ada');
    frames.next({ id: null, type: 'post.created', data: a });
    frames.next({ id: null, type: 'post.created', data: b });
    await fixture.whenStable();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(announcer.message()).toContain('2 new posts');

    const banner = root.querySelector<HTMLButtonElement>('.new-posts')!;
    banner.focus();
    banner.click();
    await fixture.whenStable();
    expect(document.activeElement?.getAttribute('data-post-id')).toBe(String(b.id));
  });

  it('loads the next cursor page with "Load more" and never repeats a post', async () => {
    const { fixture, root } = await render('latest');
    const more = () => [...root.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent?.includes('Load more'));
    while (more()) {
      more()!.click();
      await fixture.whenStable();
    }
    const times = [...root.querySelectorAll('app-post-card article')].map((a) => a.getAttribute('aria-labelledby'));
    expect(times.length).toBe(45);
    expect(new Set(times).size).toBe(45);
    expect(root.textContent).toContain('You are all caught up.');
  });
});
