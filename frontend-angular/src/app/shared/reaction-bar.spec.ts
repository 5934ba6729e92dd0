import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { Subject, throwError } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeJwt, tokens } from '../../testing/helpers';
import { Post, ReactionCounts, ReactionState } from '../core/models';
import { Session } from '../core/session';
import { MockDb, provideMockData } from '../data/mock';
import { httpError } from '../data/mock/mock-db';
import { PostService } from '../data/services';
import { ReactionBar, toggledState } from './reaction-bar';

/** Every kind's count, as the server sends them (0 included). */
const counts = (some: Partial<ReactionCounts>): ReactionCounts => ({ like: 0, love: 0, laugh: 0, insightful: 0, celebrate: 0, ...some });

describe('toggledState', () => {
  it('adds and removes one reaction of mine', () => {
    const on = toggledState({ reactions: counts({ like: 2 }), my_reactions: [] }, 'like', true);
    expect(on).toEqual({ reactions: counts({ like: 3 }), my_reactions: ['like'] });
    expect(toggledState(on, 'like', false)).toEqual({ reactions: counts({ like: 2 }), my_reactions: [] });
  });
});

describe('ReactionBar', () => {
  let fixture: ComponentFixture<ReactionBar>;
  let post: Post;
  let posts: PostService;

  const button = (label: string) =>
    [...(fixture.nativeElement as HTMLElement).querySelectorAll('button')].find((b) => b.getAttribute('aria-label')?.startsWith(label))!;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1'));
    const db = TestBed.inject(MockDb);
    post = db.postObject(db.addPost('grace', 'React to me'), 'ada');
    posts = TestBed.inject(PostService);
    fixture = TestBed.createComponent(ReactionBar);
    fixture.componentRef.setInput('post', post);
    await fixture.whenStable();
  });

  it('toggles a reaction on and off, with aria-pressed and the count', async () => {
    expect(button('Like').getAttribute('aria-pressed')).toBe('false');
    expect(button('Like').getAttribute('aria-label')).toBe('Like, 0');

    button('Like').click();
    await fixture.whenStable();
    expect(button('Like').getAttribute('aria-pressed')).toBe('true');
    expect(button('Like').getAttribute('aria-label')).toBe('Like, 1');

    button('Like').click();
    await fixture.whenStable();
    expect(button('Like').getAttribute('aria-pressed')).toBe('false');
    expect(button('Like').getAttribute('aria-label')).toBe('Like, 0');
  });

  it('updates at once (optimistic), then adopts the server state', async () => {
    const answer = new Subject<ReactionState>();
    posts.react = () => answer;
    button('Love').click();
    await fixture.whenStable();
    expect(button('Love').getAttribute('aria-pressed')).toBe('true');
    expect(button('Love').getAttribute('aria-label')).toBe('Love, 1');
    // Busy, but not disabled: a disabled button would drop keyboard focus to <body>.
    expect(button('Love').getAttribute('aria-disabled')).toBe('true');
    expect(button('Love').disabled).toBe(false);
    button('Love').focus();
    button('Love').click(); // ignored while the first toggle is saving
    await fixture.whenStable();
    expect(button('Love').getAttribute('aria-pressed')).toBe('true');
    expect(document.activeElement).toBe(button('Love'));

    answer.next({ reactions: counts({ love: 5 }), my_reactions: ['love'] });
    answer.complete();
    await fixture.whenStable();
    expect(button('Love').getAttribute('aria-label')).toBe('Love, 5');
    expect(button('Love').hasAttribute('aria-disabled')).toBe(false);
  });

  it('rolls back and says why when the server refuses', async () => {
    posts.react = () => throwError(() => httpError(403, 'forbidden', 'You are blocked.'));
    button('Celebrate').click();
    await fixture.whenStable();
    expect(button('Celebrate').getAttribute('aria-pressed')).toBe('false');
    expect(button('Celebrate').getAttribute('aria-label')).toBe('Celebrate, 0');
    expect((fixture.nativeElement as HTMLElement).querySelector('[role=alert]')?.textContent).toContain('You are blocked.');
  });
});
