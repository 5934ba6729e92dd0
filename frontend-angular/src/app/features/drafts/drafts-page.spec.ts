import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AXE_TIMEOUT_MS, axeViolations, danglingIdRefs } from '../../../testing/a11y';
import { fakeJwt, tokens } from '../../../testing/helpers';
import { Session } from '../../core/session';
import { MockDb, provideMockData } from '../../data/mock';
import { PostService } from '../../data/services';
import { DraftsPage } from './drafts-page';

describe('DraftsPage', () => {
  let db: MockDb;
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    db = TestBed.inject(MockDb);
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1'));
    vi.stubGlobal('confirm', () => true);
  });
  afterEach(() => vi.unstubAllGlobals());

  async function render() {
    const fixture = TestBed.createComponent(DraftsPage);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const button = (name: RegExp) => [...root.querySelectorAll('button')].find((b) => name.test(b.textContent?.replace(/\s+/g, ' ') ?? ''));
    return { fixture, root, button };
  }

  it(
    'lists your drafts only, accessibly',
    async () => {
      db.addDraft('ada', 'First idea');
      db.addDraft('grace', 'Not yours');
      const { root } = await render();
      expect(root.textContent).toContain('First idea');
      expect(root.textContent).not.toContain('Not yours');
      expect(danglingIdRefs(root)).toEqual([]);
      expect(await axeViolations(root)).toEqual([]);
    },
    AXE_TIMEOUT_MS,
  );

  it('publishes a draft into the feeds and deletes another', async () => {
    const keep = db.addDraft('ada', 'Publish me');
    db.addDraft('ada', 'Delete me');
    const { fixture, root, button } = await render();
    button(/Publish the draft “Publish me”/)!.click();
    await fixture.whenStable();
    expect(root.textContent).not.toContain('Publish me');
    expect(db.posts[0].id).toBe(keep.id);
    button(/Delete the draft “Delete me”/)!.click();
    await fixture.whenStable();
    expect(db.drafts.length).toBe(0);
    expect(root.textContent).toContain('No drafts');
  });

  it("keeps someone else's draft out of reach (404)", async () => {
    const theirs = db.addDraft('grace', 'Secret');
    await expect(firstValueFrom(TestBed.inject(PostService).get(theirs.id))).rejects.toMatchObject({ status: 404 });
    await expect(firstValueFrom(TestBed.inject(PostService).publish(theirs.id))).rejects.toMatchObject({ status: 404 });
  });
});
