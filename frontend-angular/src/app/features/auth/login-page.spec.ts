import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { beforeEach, describe, expect, it } from 'vitest';
import { MOCK_TOTP_CODE, provideMockData } from '../../data/mock';
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

  it('asks for a code when the account has two-factor sign-in on, then signs in with it', async () => {
    const fixture = TestBed.createComponent(LoginPage);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const type = (id: string, value: string) => {
      const input = root.querySelector<HTMLInputElement>(`#${id}`)!;
      input.value = value;
      input.dispatchEvent(new Event('input'));
    };
    type('login', 'grace');
    type('password', 'devthread-demo');
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    // The password was right: the code step replaces the form, and nobody is signed in yet.
    expect(root.querySelector('#password')).toBeNull();
    expect(root.querySelector('#code')?.getAttribute('autocomplete')).toBe('one-time-code');
    expect(fixture.componentInstance.form.controls.password.value).toBe('');
    expect(TestBed.inject(Session).signedIn()).toBe(false);

    type('code', '000000');
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(root.querySelector('#code-error')?.textContent ?? root.textContent).toContain('That code is not right');
    expect(TestBed.inject(Session).signedIn()).toBe(false);

    type('code', MOCK_TOTP_CODE);
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(TestBed.inject(Session).user()?.username).toBe('grace');
  });

  it('goes back to the password when the code step has expired', async () => {
    const fixture = TestBed.createComponent(LoginPage);
    await fixture.whenStable();
    const page = fixture.componentInstance;
    page.mfaToken.set('mock-mfa.grace.expired');
    page.codeForm.setValue({ code: MOCK_TOTP_CODE });
    page.submitCode();
    await fixture.whenStable();
    expect(page.mfaToken()).toBeNull();
    expect(page.general()).toContain('Sign in again');
    expect((fixture.nativeElement as HTMLElement).querySelector('#password')).not.toBeNull();
  });

  it('only follows same-app return addresses', () => {
    expect(safeReturnUrl('/p/12')).toBe('/p/12');
    expect(safeReturnUrl('//evil.example')).toBe('/');
    expect(safeReturnUrl('https://evil.example')).toBe('/');
    expect(safeReturnUrl(undefined)).toBe('/');
  });
});
