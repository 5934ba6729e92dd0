import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { AXE_TIMEOUT_MS, axeViolations, danglingIdRefs } from '../../../testing/a11y';
import { fakeJwt, tokens } from '../../../testing/helpers';
import { Session } from '../../core/session';
import { MockDb, provideMockData } from '../../data/mock';
import { FeedService } from '../../data/services';
import { TagPage } from './tag-page';

describe('TagPage (follow a tag)', () => {
  let db: MockDb;
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    db = TestBed.inject(MockDb);
    db.addPost('ken', 'Tagged #followme');
  });

  async function render(tag = 'followme') {
    const fixture = TestBed.createComponent(TagPage);
    fixture.componentRef.setInput('tag', tag);
    await fixture.whenStable();
    fixture.detectChanges();
    await fixture.whenStable();
    return { fixture, root: fixture.nativeElement as HTMLElement };
  }

  const followButton = (root: HTMLElement) => root.querySelector<HTMLButtonElement>('button.follow-tag') ?? undefined;

  it('shows no follow button when signed out', async () => {
    const { root } = await render();
    expect(root.querySelector('h1')?.textContent).toContain('#followme');
    expect(followButton(root)).toBeUndefined();
  });

  it('follows and unfollows, and the followed tag joins the home feed', async () => {
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1', { ...db.user('ada') }));
    const { fixture, root } = await render();
    const button = followButton(root)!;
    expect(button.textContent).toContain('Follow');
    expect(button.textContent).toContain('#followme');
    expect(button.getAttribute('aria-pressed')).toBe('false');
    expect(danglingIdRefs(root)).toEqual([]);
    expect(await axeViolations(root)).toEqual([]);

    button.click();
    await fixture.whenStable();
    fixture.detectChanges();
    expect(followButton(root)!.getAttribute('aria-pressed')).toBe('true');
    expect(followButton(root)!.textContent).toContain('Following');
    const feeds = TestBed.inject(FeedService);
    const followed = await firstValueFrom(feeds.followedTags());
    expect(followed.items).toEqual([{ name: 'followme', posts_count: 1 }]);
    const home = await firstValueFrom(feeds.feed('home'));
    expect(home.items.some((p) => p.body === 'Tagged #followme')).toBe(true);

    followButton(root)!.click();
    await fixture.whenStable();
    fixture.detectChanges();
    expect(followButton(root)!.getAttribute('aria-pressed')).toBe('false');
    expect((await firstValueFrom(feeds.followedTags())).items).toEqual([]);
  }, AXE_TIMEOUT_MS);
});
