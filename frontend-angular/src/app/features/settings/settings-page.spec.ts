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
});
