import { Type } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { firstValueFrom, throwError } from 'rxjs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AXE_TIMEOUT_MS, axeViolations, danglingIdRefs } from '../../../testing/a11y';
import { fakeJwt, tokens } from '../../../testing/helpers';
import { Session } from '../../core/session';
import { MockDb, provideMockData } from '../../data/mock';
import { httpError } from '../../data/mock/mock-db';
import { FeedService, NotificationService } from '../../data/services';
import { FollowedTags } from './followed-tags';
import { NotificationSettingsSection } from './notification-settings';

describe('Notification settings and followed tags (settings page)', () => {
  let db: MockDb;
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    db = TestBed.inject(MockDb);
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1', { ...db.user('ada') }));
  });

  async function render<T>(component: Type<T>) {
    const fixture = TestBed.createComponent(component);
    await fixture.whenStable();
    fixture.detectChanges();
    await fixture.whenStable();
    return { fixture, root: fixture.nativeElement as HTMLElement };
  }

  it('shows each type with a labelled checkbox per channel, and saves only what changed', async () => {
    const service = TestBed.inject(NotificationService);
    const update = vi.spyOn(service, 'updateSettings');
    const { fixture, root } = await render(NotificationSettingsSection);
    const boxes = [...root.querySelectorAll<HTMLInputElement>('input[type=checkbox]')];
    expect(boxes).toHaveLength(12);
    expect(boxes.every((b) => b.getAttribute('aria-label'))).toBe(true);
    expect(danglingIdRefs(root)).toEqual([]);
    expect(await axeViolations(root)).toEqual([]);

    const followMail = root.querySelector<HTMLInputElement>('#ns-follow-email')!;
    expect(followMail.checked).toBe(false);
    followMail.click();
    const weekly = root.querySelector<HTMLInputElement>('#digest-weekly')!;
    weekly.click();
    fixture.detectChanges();
    root.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await fixture.whenStable();
    fixture.detectChanges();
    expect(update).toHaveBeenCalledWith({ types: { follow: { web: true, email: true } }, digest: 'weekly' });
    expect(root.querySelector('[role=status]')?.textContent).toContain('Saved');
    const stored = await firstValueFrom(service.settings());
    expect(stored.types['follow']).toEqual({ web: true, email: true });
    expect(stored.digest).toBe('weekly');
  }, AXE_TIMEOUT_MS);

  it('shows the server refusal in an alert', async () => {
    const service = TestBed.inject(NotificationService);
    vi.spyOn(service, 'updateSettings').mockReturnValue(
      throwError(() => httpError(422, 'validation_error', 'These settings are not valid.')),
    );
    const { fixture, root } = await render(NotificationSettingsSection);
    root.querySelector<HTMLInputElement>('#ns-comment-web')!.click();
    fixture.detectChanges();
    root.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await fixture.whenStable();
    fixture.detectChanges();
    expect(root.querySelector('[role=alert]')?.textContent).toContain('These settings are not valid.');
  });

  it('lists the tags you follow, or says there are none', async () => {
    const empty = await render(FollowedTags);
    expect(empty.root.textContent).toContain('You follow no tags yet.');
    db.addPost('ken', 'About #zzfollowed');
    await firstValueFrom(TestBed.inject(FeedService).followTag('zzfollowed'));
    const { root } = await render(FollowedTags);
    const link = root.querySelector<HTMLAnchorElement>('.tag-list a')!;
    expect(link.textContent).toBe('#zzfollowed');
    expect(link.getAttribute('href')).toBe('/tags/zzfollowed');
    expect(root.querySelector('.tag-list')?.textContent).toContain('1 post');
    expect(danglingIdRefs(root)).toEqual([]);
  });
});
