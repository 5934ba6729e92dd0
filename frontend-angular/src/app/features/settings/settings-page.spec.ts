import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Announcer } from '../../core/announcer';
import { AuthFlow } from '../../core/auth-flow';
import { Session } from '../../core/session';
import { MockDb, provideMockData } from '../../data/mock';
import { Lang, locale, setLocale } from '../../i18n';
import { LIMITS } from '../../core/limits';
import { AuthService } from '../../data/services';
import { AXE_TIMEOUT_MS, axeViolations, danglingIdRefs } from '../../../testing/a11y';
import { SettingsPage } from './settings-page';

function type(root: HTMLElement, id: string, value: string): void {
  const field = root.querySelector<HTMLInputElement | HTMLTextAreaElement>(`#${id}`)!;
  field.value = value;
  field.dispatchEvent(new Event('input'));
}

async function openSettings() {
  await firstValueFrom(TestBed.inject(AuthFlow).login('ada', 'devthread-demo'));
  const fixture = TestBed.createComponent(SettingsPage);
  await fixture.whenStable();
  fixture.detectChanges();
  await fixture.whenStable();
  return { fixture, root: fixture.nativeElement as HTMLElement };
}

describe('SettingsPage', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
  });

  it('signs out everywhere: this session ends and its refresh token no longer works', async () => {
    await firstValueFrom(TestBed.inject(AuthFlow).login('ada', 'devthread-demo'));
    const session = TestBed.inject(Session);
    const refreshToken = session.refreshToken()!;
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigateByUrl').mockResolvedValue(true);
    const fixture = TestBed.createComponent(SettingsPage);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const button = [...root.querySelectorAll('button')].find((b) => b.textContent?.includes('Sign out everywhere'))!;
    expect(button.getAttribute('aria-describedby')).toBe('sessions-hint');

    button.click();
    await fixture.whenStable();
    expect(session.signedIn()).toBe(false);
    expect(navigate).toHaveBeenCalledWith('/login');
    await expect(firstValueFrom(TestBed.inject(AuthService).refresh(refreshToken))).rejects.toMatchObject({ status: 401 });
  });

  it('lists where you are signed in and signs out one other device at once', async () => {
    const auth = TestBed.inject(AuthService);
    const phone = await firstValueFrom(auth.login('ada', 'devthread-demo'));
    await firstValueFrom(TestBed.inject(AuthFlow).login('ada', 'devthread-demo'));
    const session = TestBed.inject(Session);
    const fixture = TestBed.createComponent(SettingsPage);
    await fixture.whenStable();
    fixture.detectChanges();
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const rows = () => [...root.querySelectorAll<HTMLLIElement>('ul.sign-ins > li')];
    expect(rows()).toHaveLength(2);
    // Newest first: this app's own sign-in, marked, then the phone's.
    expect(rows()[0].textContent).toContain('This device');
    expect(rows()[1].textContent).not.toContain('This device');
    expect(rows()[1].querySelector('time')).not.toBeNull();

    rows()[1].querySelector('button')!.click();
    await fixture.whenStable();
    fixture.detectChanges();
    expect(rows()).toHaveLength(1);
    expect(rows()[0].textContent).toContain('This device');
    // The phone's refresh token died with its sign-in; this app's session goes on.
    await expect(firstValueFrom(auth.refresh(phone.refresh_token))).rejects.toMatchObject({ status: 401 });
    expect(session.signedIn()).toBe(true);
    await expect(firstValueFrom(auth.refresh(session.refreshToken()!))).resolves.toBeTruthy();
  });

  it("signing out this device's own row is a sign-out", async () => {
    await firstValueFrom(TestBed.inject(AuthFlow).login('ada', 'devthread-demo'));
    const session = TestBed.inject(Session);
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigateByUrl').mockResolvedValue(true);
    const fixture = TestBed.createComponent(SettingsPage);
    await fixture.whenStable();
    fixture.detectChanges();
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const [mine] = [...root.querySelectorAll<HTMLLIElement>('ul.sign-ins > li')];
    expect(mine.textContent).toContain('This device');
    mine.querySelector('button')!.click();
    expect(session.signedIn()).toBe(false);
    expect(navigate).toHaveBeenCalledWith('/');
  });

  it("takes a bio as long as the server's limit, and refuses one character more before sending it", async () => {
    const { fixture, root } = await openSettings();
    const updateMe = vi.spyOn(TestBed.inject(AuthService), 'updateMe');
    expect(LIMITS.bioMax).toBe(500);
    expect(root.querySelector('#bio')!.getAttribute('maxlength')).toBe(String(LIMITS.bioMax));

    type(root, 'bio', 'b'.repeat(LIMITS.bioMax));
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(updateMe).toHaveBeenCalledTimes(1);
    expect(TestBed.inject(Session).user()?.bio).toHaveLength(LIMITS.bioMax);
    expect(root.querySelector('#bio-error')).toBeNull();

    type(root, 'bio', 'b'.repeat(LIMITS.bioMax + 1));
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(updateMe).toHaveBeenCalledTimes(1);
    expect(root.querySelector('#bio-error')?.textContent).toContain('at most 500 characters');
  });

  it('takes a website as long as the server does: without a scheme, short enough to fit once https:// is added', async () => {
    const { fixture, root } = await openSettings();
    const updateMe = vi.spyOn(TestBed.inject(AuthService), 'updateMe');
    const submit = async () => {
      root.querySelector('form')!.dispatchEvent(new Event('submit'));
      await fixture.whenStable();
    };
    const host = (length: number) => 'a'.repeat(length - '.example'.length) + '.example';
    expect(LIMITS.websiteWithoutSchemeMax).toBe(LIMITS.websiteMax - 'https://'.length);

    type(root, 'website', host(LIMITS.websiteWithoutSchemeMax + 1));
    await submit();
    expect(updateMe).not.toHaveBeenCalled();
    expect(root.querySelector('#website-error')?.textContent).toContain(`at most ${LIMITS.websiteWithoutSchemeMax} characters`);

    const whole = 'https://' + host(LIMITS.websiteMax - 'https://'.length);
    type(root, 'website', whole);
    await submit();
    expect(updateMe).toHaveBeenCalledTimes(1);
    expect(root.querySelector('#website-error')).toBeNull();
    expect(TestBed.inject(Session).user()?.website).toBe(whole);

    type(root, 'website', host(LIMITS.websiteWithoutSchemeMax));
    await submit();
    expect(updateMe).toHaveBeenCalledTimes(2);
    expect(TestBed.inject(Session).user()?.website).toBe('https://' + host(LIMITS.websiteWithoutSchemeMax));
  });

  it('points aria-describedby only at elements on the page, with and without errors', async () => {
    const { fixture, root } = await openSettings();
    expect(danglingIdRefs(root)).toEqual([]);
    expect(root.querySelector('#display_name')!.hasAttribute('aria-describedby')).toBe(false);
    expect(root.querySelector('#website')!.getAttribute('aria-describedby')).toBe('website-hint');
    expect(await axeViolations(root)).toEqual([]);

    // The server refuses the website: its error appears, and the field now points at it too.
    type(root, 'website', 'ftp://example.com');
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(root.querySelector('#website-error')).not.toBeNull();
    expect(root.querySelector('#website')!.getAttribute('aria-describedby')).toBe('website-hint website-error');
    expect(root.querySelector('#website')!.getAttribute('aria-invalid')).toBe('true');
    expect(danglingIdRefs(root)).toEqual([]);
    expect(await axeViolations(root)).toEqual([]);
  }, AXE_TIMEOUT_MS);
});

describe('SettingsPage: language', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
  });
  afterEach(async () => await setLocale('en'));

  it('PATCHes /me {locale} and speaks the chosen language at once', async () => {
    const { fixture, root } = await openSettings();
    const select = root.querySelector<HTMLSelectElement>('#locale')!;
    expect(root.querySelector('label[for=locale]')?.textContent).toBe('Language of DevThread');
    expect([...select.options].map((o) => [o.value, o.lang, o.textContent])).toEqual([
      ['en', 'en', 'English'],
      ['de', 'de', 'Deutsch'],
      ['es', 'es', 'Español'],
    ]);
    select.value = 'de';
    select.dispatchEvent(new Event('change'));
    select.closest('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    await vi.waitFor(() => expect(locale()).toBe('de'));
    await fixture.whenStable();
    expect(TestBed.inject(Session).user()?.locale).toBe('de');
    expect(TestBed.inject(MockDb).user('ada').locale).toBe('de');
    expect(root.querySelector('h1')?.textContent).toBe('Einstellungen');
    expect(root.querySelector('label[for=display_name]')?.textContent).toBe('Anzeigename');
    await vi.waitFor(() => expect(TestBed.inject(Announcer).message()).toBe('DevThread spricht jetzt Deutsch.'));
    expect(danglingIdRefs(root)).toEqual([]);
  });

  it('shows the API’s refusal of a language and changes nothing', async () => {
    const { fixture, root } = await openSettings();
    fixture.componentInstance.languageForm.setValue({ locale: 'fr' as Lang });
    root.querySelector<HTMLSelectElement>('#locale')!.closest('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(root.querySelector('#locale')?.getAttribute('aria-invalid')).toBe('true');
    expect(root.querySelector('.form-error')?.textContent).toContain('Choose English, German or Spanish.');
    expect(TestBed.inject(MockDb).user('ada').locale).toBeNull();
    expect(locale()).toBe('en');
  });
});
