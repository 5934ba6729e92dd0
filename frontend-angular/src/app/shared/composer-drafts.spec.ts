import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeJwt, tokens } from '../../testing/helpers';
import { Session } from '../core/session';
import { MockDb, provideMockData } from '../data/mock';
import { FeedService, PostService } from '../data/services';
import { Composer } from './composer';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Composer: drafts', () => {
  let db: MockDb;
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    db = TestBed.inject(MockDb);
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1'));
  });

  function type(root: HTMLElement, selector: string, value: string): void {
    const el = root.querySelector<HTMLTextAreaElement | HTMLInputElement>(selector)!;
    el.value = value;
    el.dispatchEvent(new Event('input'));
  }

  async function render() {
    const fixture = TestBed.createComponent(Composer);
    fixture.componentRef.setInput('autosaveMs', 5);
    await fixture.whenStable();
    return { fixture, root: fixture.nativeElement as HTMLElement };
  }

  it('autosaves one draft while typing and says so in a polite status line', async () => {
    const { fixture, root } = await render();
    type(root, 'textarea', 'Half a thought');
    await wait(30);
    await fixture.whenStable();
    type(root, 'textarea', 'Half a thought, and more');
    await wait(30);
    await fixture.whenStable();
    const status = root.querySelector('.draft-status')!;
    expect(status.getAttribute('role')).toBe('status');
    expect(status.getAttribute('aria-live')).toBe('polite');
    expect(status.textContent).toContain('Draft saved at');
    expect(db.drafts.map((d) => d.body)).toEqual(['Half a thought, and more']);
    // Drafts are in no feed.
    const latest = await firstValueFrom(TestBed.inject(FeedService).feed('latest'));
    expect(latest.items.some((p) => p.body.startsWith('Half a thought'))).toBe(false);
  });

  it('"Save draft" keeps the words, refuses blank ones, and "Post" publishes that draft', async () => {
    const { fixture, root } = await render();
    fixture.componentRef.setInput('autosaveMs', 60_000);
    const saveDraft = [...root.querySelectorAll('button')].find((b) => b.textContent?.includes('Save draft'))!;
    saveDraft.click();
    await fixture.whenStable();
    expect(root.querySelector('.draft-status')!.textContent).toContain('Draft not saved');
    expect(db.drafts.length).toBe(0);
    type(root, 'textarea', 'Ready soon #angular');
    saveDraft.click();
    await fixture.whenStable();
    expect(db.drafts.length).toBe(1);
    const id = db.drafts[0].id;
    type(root, 'textarea', 'Ready now #angular');
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(db.drafts.length).toBe(0);
    expect(db.posts[0].id).toBe(id);
    expect(db.posts[0].body).toBe('Ready now #angular');
    const post = await firstValueFrom(TestBed.inject(PostService).get(id));
    expect(post.draft).toBe(false);
  });
});
