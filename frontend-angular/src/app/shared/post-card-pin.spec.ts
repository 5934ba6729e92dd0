import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeJwt, tokens } from '../../testing/helpers';
import { Session } from '../core/session';
import { MockDb, provideMockData } from '../data/mock';
import { PostService, UserService } from '../data/services';
import { PostCard } from './post-card';

describe('PostCard: pins and the edit history link', () => {
  let db: MockDb;
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    db = TestBed.inject(MockDb);
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1'));
  });

  async function render(id: number) {
    const post = await firstValueFrom(TestBed.inject(PostService).get(id));
    const fixture = TestBed.createComponent(PostCard);
    fixture.componentRef.setInput('post', post);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const button = (name: RegExp) => [...root.querySelectorAll('button')].find((b) => name.test(b.textContent ?? ''));
    return { fixture, root, button };
  }

  it('pins your post, shows it first on your profile, and unpins it', async () => {
    const mine = db.addPost('ada', 'Pin me', [], '2001-01-01T00:00:00Z');
    const { fixture, root, button } = await render(mine.id);
    button(/Pin to profile/)!.click();
    await fixture.whenStable();
    expect(root.textContent).toContain('Pinned');
    expect(button(/Unpin from profile/)).toBeTruthy();
    const profile = await firstValueFrom(TestBed.inject(UserService).posts('ada'));
    expect(profile.items[0].id).toBe(mine.id);
    expect(profile.items[0].pinned).toBe(true);
    button(/Unpin from profile/)!.click();
    await fixture.whenStable();
    expect(button(/Pin to profile/)).toBeTruthy();
  });

  it('says why a fourth pin is refused', async () => {
    const ids = [1, 2, 3, 4].map((i) => db.addPost('ada', `post ${i}`).id);
    const posts = TestBed.inject(PostService);
    for (const id of ids.slice(0, 3)) await firstValueFrom(posts.pin(id));
    const { fixture, root, button } = await render(ids[3]);
    button(/Pin to profile/)!.click();
    await fixture.whenStable();
    expect(root.querySelector('[role=alert]')?.textContent).toContain('at most 3');
  });

  it('offers no pin on posts of others, and links "edited" to the history', async () => {
    const theirs = db.addPost('grace', 'Hello');
    theirs.edited_at = new Date().toISOString();
    const { root, button } = await render(theirs.id);
    expect(button(/Pin to profile/)).toBeUndefined();
    const link = [...root.querySelectorAll('a')].find((a) => a.textContent?.includes('edited'))!;
    expect(link.getAttribute('href')).toBe(`/p/${theirs.id}/revisions`);
  });
});
