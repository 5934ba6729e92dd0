import { TestBed } from '@angular/core/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AXE_TIMEOUT_MS, axeViolations, danglingIdRefs } from '../../testing/a11y';
import { fakeJwt, tokens } from '../../testing/helpers';
import { LIMITS } from '../core/limits';
import { Session } from '../core/session';
import { MockDb, provideMockData } from '../data/mock';
import { ReportForm } from './report-form';

describe('ReportForm', () => {
  let db: MockDb;
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [...provideMockData()] });
    db = TestBed.inject(MockDb);
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1', { ...db.user('ada') }));
  });

  async function render(targetType: 'post' | 'user', targetId: number | string) {
    const fixture = TestBed.createComponent(ReportForm);
    fixture.componentRef.setInput('targetType', targetType);
    fixture.componentRef.setInput('targetId', targetId);
    fixture.componentRef.setInput('what', 'this post by @linus');
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const submit = async () => {
      root.querySelector('form')!.dispatchEvent(new Event('submit'));
      await fixture.whenStable();
    };
    return { fixture, root, submit };
  }

  function choose(root: HTMLElement, reason: string, note = ''): void {
    const select = root.querySelector('select')!;
    select.value = reason;
    select.dispatchEvent(new Event('change'));
    const textarea = root.querySelector('textarea')!;
    textarea.value = note;
    textarea.dispatchEvent(new Event('input'));
  }

  it('offers the server’s reasons, asks for one, and sends the reason with the note', async () => {
    const post = db.posts.find((p) => p.author === 'linus')!;
    const { fixture, root, submit } = await render('post', post.id);
    const options = [...root.querySelectorAll('option')].map((o) => o.value).filter(Boolean);
    expect(options).toEqual(LIMITS.reportReasons);
    expect(root.querySelector('textarea')!.getAttribute('maxlength')).toBe(String(LIMITS.reportNoteMax));
    expect(danglingIdRefs(root)).toEqual([]);
    expect(await axeViolations(root)).toEqual([]);

    await submit();
    expect(root.querySelector('.field-error')?.textContent).toContain('A reason is required.');
    expect(root.querySelector('select')!.getAttribute('aria-invalid')).toBe('true');
    expect(danglingIdRefs(root)).toEqual([]);
    expect(db.reports).toHaveLength(0);

    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      choose(root, 'spam', 'Posts the same link everywhere.');
      await submit();
      vi.runAllTimers();
    } finally {
      vi.useRealTimers();
    }
    expect(db.reports).toEqual([
      expect.objectContaining({ target_type: 'post', target_id: post.id, reason: 'spam', note: 'Posts the same link everywhere.' }),
    ]);
    const thanks = root.querySelector<HTMLElement>('.report-done')!;
    expect(thanks.getAttribute('role')).toBe('status');
    expect(thanks.textContent).toContain('The moderators will look at your report.');
    expect(document.activeElement).toBe(thanks);
    fixture.destroy();
  }, AXE_TIMEOUT_MS);

  it('shows the API’s refusal where it belongs', async () => {
    const { root, submit } = await render('user', 'ada');
    choose(root, 'abuse');
    await submit();
    expect(root.querySelector('.form-error')?.textContent).toContain('You cannot report yourself');
    expect(db.reports).toHaveLength(0);
  });
});
