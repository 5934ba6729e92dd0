import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { throwError } from 'rxjs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AXE_TIMEOUT_MS, axeViolations, danglingIdRefs } from '../../../testing/a11y';
import { fakeJwt, tokens } from '../../../testing/helpers';
import { Session } from '../../core/session';
import { MockDb, provideMockData } from '../../data/mock';
import { httpError } from '../../data/mock/mock-db';
import { SafetyService } from '../../data/services';
import { KeptAwayList } from './kept-away-list';

describe('KeptAwayList (settings: blocked and muted people)', () => {
  let db: MockDb;
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    db = TestBed.inject(MockDb);
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1', { ...db.user('ada') }));
  });

  async function render(kind: 'blocked' | 'muted') {
    const fixture = TestBed.createComponent(KeptAwayList);
    fixture.componentRef.setInput('kind', kind);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const rows = () => [...root.querySelectorAll<HTMLLIElement>('.kept-away-row')];
    return { fixture, root, rows };
  }

  it('lists the people you blocked, newest first, and unblocks (and blocks again) per row', async () => {
    db.blocks.add('ada>ken');
    db.blocks.add('ada>dennis');
    vi.stubGlobal('confirm', () => true);
    try {
      const { fixture, root, rows } = await render('blocked');
      expect(root.querySelector('h2')?.textContent).toBe('Blocked people');
      expect(rows().map((r) => r.querySelector('.username')?.textContent)).toEqual(['@dennis', '@ken']);
      expect(danglingIdRefs(root)).toEqual([]);
      expect(await axeViolations(root)).toEqual([]);

      const unblock = rows()[1].querySelector('button')!;
      expect(unblock.textContent).toContain('Unblock @ken');
      unblock.click();
      await fixture.whenStable();
      expect(db.blocks.has('ada>ken')).toBe(false);
      expect(unblock.textContent).toContain('Block @ken');
      expect(unblock.getAttribute('aria-pressed')).toBe('false');
      unblock.click();
      await fixture.whenStable();
      expect(db.blocks.has('ada>ken')).toBe(true);
    } finally {
      vi.unstubAllGlobals();
    }
  }, AXE_TIMEOUT_MS);

  it('says when nobody is muted, and unmutes a row', async () => {
    const empty = await render('muted');
    expect(empty.root.querySelector('.state-empty')?.textContent).toContain('You have not muted anyone.');
    db.mutes.add('ada>alan');
    const { fixture, rows } = await render('muted');
    rows()[0].querySelector('button')!.click();
    await fixture.whenStable();
    expect(db.mutes.size).toBe(0);
  });

  it('shows a failed load with a retry', async () => {
    const api = TestBed.inject(SafetyService);
    const blocked = vi.spyOn(api, 'blocked').mockReturnValueOnce(throwError(() => httpError(503, 'unavailable', 'Try again soon.')));
    const { fixture, root } = await render('blocked');
    expect(root.querySelector('.state-error')?.textContent).toContain('Try again soon.');
    root.querySelector<HTMLButtonElement>('.state-error button')!.click();
    await fixture.whenStable();
    expect(blocked).toHaveBeenCalledTimes(2);
    expect(root.querySelector('.state-empty')).not.toBeNull();
  });
});
