import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { beforeEach, describe, expect, it } from 'vitest';
import { provideMockData } from '../../data/mock';
import { Session } from '../../core/session';
import { danglingIdRefs } from '../../../testing/a11y';
import { RegisterPage } from './register-page';

function fill(root: HTMLElement, id: string, value: string): void {
  const input = root.querySelector<HTMLInputElement>(`#${id}`)!;
  input.value = value;
  input.dispatchEvent(new Event('input'));
}

describe('RegisterPage (API field errors next to the fields)', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
  });

  it('shows 409 conflicts from the API next to the username and email fields', async () => {
    const fixture = TestBed.createComponent(RegisterPage);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    fill(root, 'username', 'ada');
    fill(root, 'email', 'ada@devthread.example');
    fill(root, 'password', 'long-enough-password');
    root.querySelector<HTMLFormElement>('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();

    expect(root.querySelector('#username-error')?.textContent).toContain('That username is taken.');
    expect(root.querySelector('#email-error')?.textContent).toContain('An account with that email exists.');
    expect(root.querySelector('#username')?.getAttribute('aria-invalid')).toBe('true');
    expect(root.querySelector('.form-error')).toBeNull();
    expect(TestBed.inject(Session).signedIn()).toBe(false);
  });

  it('checks the rules locally before sending', async () => {
    const fixture = TestBed.createComponent(RegisterPage);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    fill(root, 'username', 'a!');
    fill(root, 'email', 'nope');
    fill(root, 'password', 'short');
    root.querySelector<HTMLFormElement>('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(root.querySelector('#username-error')?.textContent).toContain('at least 3');
    expect(root.querySelector('#email-error')?.textContent).toContain('valid email');
    expect(root.querySelector('#password-error')?.textContent).toContain('at least 10');
  });

  it('points aria-describedby only at hints and errors that are on the page', async () => {
    const fixture = TestBed.createComponent(RegisterPage);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    expect(danglingIdRefs(root)).toEqual([]);
    expect(root.querySelector('#username')!.getAttribute('aria-describedby')).toBe('username-hint');
    expect(root.querySelector('#email')!.hasAttribute('aria-describedby')).toBe(false);
    fill(root, 'email', 'nope');
    root.querySelector<HTMLFormElement>('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(root.querySelector('#email')!.getAttribute('aria-describedby')).toBe('email-error');
    expect(danglingIdRefs(root)).toEqual([]);
  });

  it('signs in after a successful registration', async () => {
    const fixture = TestBed.createComponent(RegisterPage);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    fill(root, 'username', 'newdev');
    fill(root, 'email', 'newdev@example.org');
    fill(root, 'password', 'correct-horse-battery');
    root.querySelector<HTMLFormElement>('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(TestBed.inject(Session).user()?.username).toBe('newdev');
  });
});
