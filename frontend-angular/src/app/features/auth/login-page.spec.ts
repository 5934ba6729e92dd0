import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { beforeEach, describe, expect, it } from 'vitest';
import { provideMockData } from '../../data/mock';
import { Session } from '../../core/session';
import { LoginPage, safeReturnUrl } from './login-page';

describe('LoginPage', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
  });

  async function submit(login: string, password: string) {
    const fixture = TestBed.createComponent(LoginPage);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    for (const [id, value] of [['login', login], ['password', password]]) {
      const input = root.querySelector<HTMLInputElement>(`#${id}`)!;
      input.value = value;
      input.dispatchEvent(new Event('input'));
    }
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    return root;
  }

  it('shows the general message for wrong credentials', async () => {
    const root = await submit('ada', 'wrong-password');
    expect(root.querySelector('.form-error')?.textContent).toContain('Wrong username, email or password.');
    expect(TestBed.inject(Session).signedIn()).toBe(false);
  });

  it('signs in with an email as the login and keeps the session in localStorage', async () => {
    await submit('ADA@devthread.example', 'devthread-demo');
    expect(TestBed.inject(Session).user()?.username).toBe('ada');
    expect(localStorage.getItem('devthread.session')).toContain('"refreshToken"');
  });

  it('only follows same-app return addresses', () => {
    expect(safeReturnUrl('/p/12')).toBe('/p/12');
    expect(safeReturnUrl('//evil.example')).toBe('/');
    expect(safeReturnUrl('https://evil.example')).toBe('/');
    expect(safeReturnUrl(undefined)).toBe('/');
  });
});
