import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthFlow } from '../../core/auth-flow';
import { Session } from '../../core/session';
import { provideMockData } from '../../data/mock';
import { AuthService } from '../../data/services';
import { SettingsPage } from './settings-page';

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
});
