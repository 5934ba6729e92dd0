import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AXE_TIMEOUT_MS, axeViolations, danglingIdRefs } from '../../testing/a11y';
import { fakeJwt, tokens } from '../../testing/helpers';
import { Session } from '../core/session';
import { MockDb, provideMockData } from '../data/mock';
import { PostCard } from './post-card';

describe('A post’s safety menu (report, mute, block)', () => {
  let db: MockDb;
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    db = TestBed.inject(MockDb);
    vi.useFakeTimers({ toFake: ['setTimeout'] });
  });
  afterEach(() => vi.useRealTimers());

  function signIn(username: string): void {
    TestBed.inject(Session).start(tokens(fakeJwt(username), 'r1', { ...db.user(username) }));
  }

  async function render(author = 'linus') {
    const post = db.postObject(db.posts.find((p) => p.author === author)!, 'ada');
    const fixture = TestBed.createComponent(PostCard);
    fixture.componentRef.setInput('post', post);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const settle = async () => {
      vi.runAllTimers();
      await fixture.whenStable();
    };
    const button = (name: RegExp) => [...root.querySelectorAll('button')].find((b) => name.test(b.textContent ?? ''));
    return { fixture, root, settle, button, post };
  }

  it('is there under other people’s posts only, and only when signed in', async () => {
    expect((await render()).root.querySelector('.more-toggle')).toBeNull();
    signIn('ada');
    expect((await render('ada')).root.querySelector('.more-toggle')).toBeNull();
    expect((await render('linus')).root.querySelector('.more-toggle')).not.toBeNull();
  });

  it('opens as a disclosure, moves focus in, and Escape gives focus back to its button', async () => {
    signIn('ada');
    const { root, settle } = await render();
    const toggle = root.querySelector<HTMLButtonElement>('.more-toggle')!;
    expect(toggle.textContent).toContain('More actions for this post by @linus');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    toggle.click();
    await settle();
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(root.querySelector(`#${toggle.getAttribute('aria-controls')}`)).not.toBeNull();
    expect(document.activeElement?.textContent).toContain('Report post');
    expect(danglingIdRefs(root)).toEqual([]);
    vi.useRealTimers();
    expect(await axeViolations(root)).toEqual([]);
    vi.useFakeTimers({ toFake: ['setTimeout'] });

    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await settle();
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(toggle);
  }, AXE_TIMEOUT_MS);

  it('mutes the author: the post folds into a note that has focus, and Unmute brings it back', async () => {
    signIn('ada');
    const { root, settle, button } = await render();
    root.querySelector<HTMLButtonElement>('.more-toggle')!.click();
    await settle();
    button(/Mute @linus/)!.click();
    await settle();
    expect(db.mutes.has('ada>linus')).toBe(true);
    const note = root.querySelector<HTMLElement>('.post.folded')!;
    expect(note.textContent).toContain('You muted @linus');
    expect(document.activeElement).toBe(note);
    expect(root.querySelector('article')).toBeNull();

    button(/Unmute/)!.click();
    await settle();
    expect(db.mutes.has('ada>linus')).toBe(false);
    expect(root.querySelector('article')).not.toBeNull();
  });

  it('blocks the author after asking, as the pages do', async () => {
    signIn('ada');
    const { root, settle, button } = await render();
    const confirm = vi.fn(() => false);
    vi.stubGlobal('confirm', confirm);
    try {
      root.querySelector<HTMLButtonElement>('.more-toggle')!.click();
      await settle();
      button(/Block @linus/)!.click();
      expect(confirm).toHaveBeenCalledWith(expect.stringContaining('Block @linus?'));
      expect(db.blocks.size).toBe(0);
      confirm.mockReturnValue(true);
      button(/Block @linus/)!.click();
      await settle();
      expect(db.blocks.has('ada>linus')).toBe(true);
      expect(root.querySelector('.post.folded')?.textContent).toContain('You blocked @linus');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('reports the post from the menu', async () => {
    signIn('ada');
    const { root, settle, button, post } = await render();
    root.querySelector<HTMLButtonElement>('.more-toggle')!.click();
    await settle();
    button(/Report post/)!.click();
    await settle();
    const select = root.querySelector('select')!;
    select.value = 'off_topic';
    select.dispatchEvent(new Event('change'));
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await settle();
    expect(db.reports).toEqual([expect.objectContaining({ target_type: 'post', target_id: post.id, reason: 'off_topic' })]);
    expect(root.querySelector('.report-done')).not.toBeNull();
  });
});
