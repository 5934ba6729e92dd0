import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AXE_TIMEOUT_MS, axeViolations, danglingIdRefs } from '../../../testing/a11y';
import { fakeJwt, tokens } from '../../../testing/helpers';
import { Session } from '../../core/session';
import { MockDb, provideMockData } from '../../data/mock';
import { SafetyService } from '../../data/services';
import { ProfilePage } from './profile-page';

describe('ProfilePage: block, mute and report', () => {
  let db: MockDb;
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    db = TestBed.inject(MockDb);
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1', { ...db.user('ada') }));
    vi.stubGlobal('confirm', () => true);
  });
  afterEach(() => vi.unstubAllGlobals());

  async function render(username: string) {
    const fixture = TestBed.createComponent(ProfilePage);
    fixture.componentRef.setInput('username', username);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const button = (name: RegExp) => [...root.querySelectorAll('button')].find((b) => name.test(b.textContent?.replace(/\s+/g, ' ') ?? ''));
    return { fixture, root, button };
  }

  it('tells whether you block or mute them (from your lists) and toggles both', async () => {
    db.mutes.add('ada>linus');
    const { fixture, root, button } = await render('linus');
    expect(button(/^ ?Unmute Linus T\./)?.getAttribute('aria-pressed')).toBe('true');
    expect(button(/^ ?Block Linus T\./)?.getAttribute('aria-pressed')).toBe('false');
    expect(danglingIdRefs(root)).toEqual([]);
    // axe over the header and its buttons (the posts below have tests of their own).
    expect(await axeViolations(root.querySelector('header')!)).toEqual([]);

    button(/Unmute/)!.click();
    await fixture.whenStable();
    expect(db.mutes.has('ada>linus')).toBe(false);
    expect(button(/^ ?Mute Linus T\./)?.getAttribute('aria-pressed')).toBe('false');
  }, AXE_TIMEOUT_MS);

  it('blocking hides their posts, ends the follows both ways and keeps focus on the button', async () => {
    expect(db.isFollowing('ada', 'linus') && db.isFollowing('linus', 'ada')).toBe(true);
    const { fixture, root, button } = await render('linus');
    expect(root.querySelectorAll('article.post').length).toBeGreaterThan(0);
    const block = button(/^ ?Block Linus/)!;
    block.focus();
    block.click();
    await fixture.whenStable();
    expect(db.blocks.has('ada>linus')).toBe(true);
    expect(db.isFollowing('ada', 'linus') || db.isFollowing('linus', 'ada')).toBe(false);
    expect(block.textContent).toContain('Unblock');
    expect(block.getAttribute('aria-pressed')).toBe('true');
    expect(document.activeElement).toBe(block);
    expect(button(/Follow|Message|Mute/)).toBeUndefined();
    expect(root.querySelector('.blocked-note')?.textContent).toContain('You blocked @linus');
    expect(root.querySelectorAll('article.post')).toHaveLength(0);
    expect(root.querySelector('.state-empty')?.textContent).toContain('while you block them');

    block.click();
    await fixture.whenStable();
    expect(db.blocks.size).toBe(0);
    expect(button(/^ ?Follow Linus/)).toBeDefined();
  });

  it('reports the person with the report form in place', async () => {
    const { fixture, root, button } = await render('linus');
    const sent = vi.spyOn(TestBed.inject(SafetyService), 'report');
    const report = button(/^ ?Report/)!;
    expect(report.getAttribute('aria-expanded')).toBe('false');
    report.click();
    await fixture.whenStable();
    expect(report.getAttribute('aria-expanded')).toBe('true');
    const select = root.querySelector('#profile-report select') as HTMLSelectElement;
    select.value = 'abuse';
    select.dispatchEvent(new Event('change'));
    root.querySelector<HTMLFormElement>('#profile-report form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    // A person is reported by username; the server answers with their id.
    expect(sent).toHaveBeenCalledWith(expect.objectContaining({ target_type: 'user', target_id: 'linus', reason: 'abuse' }));
    expect(db.reports).toEqual([expect.objectContaining({ target_type: 'user', target_id: expect.any(Number), reason: 'abuse' })]);
  });
});
