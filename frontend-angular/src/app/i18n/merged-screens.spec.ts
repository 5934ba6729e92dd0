/**
 * The screens that came with drafts, edit history, pins, followed tags, notification settings and
 * the keyboard shortcuts, drawn in German and Spanish: no English words left, the announcements too.
 */
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { danglingIdRefs } from '../../testing/a11y';
import { fakeJwt, tokens } from '../../testing/helpers';
import { Session } from '../core/session';
import { MockDb, provideMockData } from '../data/mock';
import { SIGN_IN_TEXT } from '../features/auth/login-page';
import { DraftsPage } from '../features/drafts/drafts-page';
import { FEED_TEXT } from '../features/feed/feed-page';
import { NotificationSettingsSection } from '../features/settings/notification-settings';
import { Composer } from '../shared/composer';
import { Shortcuts } from '../shared/shortcuts';
import { setLocale, t } from './i18n';

describe('the merged screens in other languages', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1'));
  });
  afterEach(async () => {
    vi.unstubAllGlobals();
    await setLocale('en');
  });

  it('draws the drafts page in German, with the draft named in each button', async () => {
    TestBed.inject(MockDb).addDraft('ada', 'Erste Idee');
    await setLocale('de');
    const fixture = TestBed.createComponent(DraftsPage);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    expect(root.querySelector('h1')?.textContent).toBe('Entwürfe');
    const buttons = [...root.querySelectorAll('button')].map((b) => b.textContent?.replace(/\s+/g, ' ').trim());
    expect(buttons).toContain('Veröffentlichen – Entwurf „Erste Idee“');
    expect(buttons).toContain('Löschen – Entwurf „Erste Idee“');
    expect(root.textContent).not.toMatch(/Drafts|Publish|Saved/);
    expect(danglingIdRefs(root)).toEqual([]);
  });

  it('draws the notification settings in Spanish, each checkbox named', async () => {
    await setLocale('es');
    const fixture = TestBed.createComponent(NotificationSettingsSection);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    expect(root.querySelector('h2')?.textContent).toBe('Notificaciones');
    expect(root.querySelector('legend')?.textContent).toBe('Correo de resumen');
    expect(root.querySelector('#ns-follow-email')?.getAttribute('aria-label')).toBe('Alguien te sigue: por correo');
    expect(root.textContent).not.toMatch(/Notification|By email|Never/);
  });

  it('draws the shortcuts help in German', async () => {
    await setLocale('de');
    const fixture = TestBed.createComponent(Shortcuts);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    expect(root.querySelector('h2')?.textContent).toBe('Tastenkürzel');
    expect(root.textContent).toContain('Nächster Beitrag / vorheriger Beitrag');
    expect(root.querySelector('form[method=dialog] button')?.textContent).toBe('Schließen');
  });

  it('says the composer’s draft status and the announcements in the language shown', async () => {
    await setLocale('de');
    const fixture = TestBed.createComponent(Composer);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const saveDraft = [...root.querySelectorAll('button')].find((b) => b.textContent?.includes('Entwurf speichern'))!;
    saveDraft.click();
    await fixture.whenStable();
    expect(root.querySelector('.draft-status')?.textContent).toBe('Entwurf nicht gespeichert: Schreib zuerst etwas.');
    expect(t(SIGN_IN_TEXT.codeNeeded)).toBe('Passwort akzeptiert. Gib den Code aus deiner Authenticator-App ein.');
    expect(FEED_TEXT.newPosts(1)).toMatch(/^1 neuer Beitrag:/);
    await setLocale('es');
    expect(FEED_TEXT.newPosts(3)).toMatch(/^3 publicaciones nuevas:/);
  });
});
