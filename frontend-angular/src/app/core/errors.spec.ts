import { HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { FormControl, FormGroup, Validators } from '@angular/forms';
import { describe, expect, it } from 'vitest';
import { applyServerErrors, controlMessage, toApiError } from './errors';

function apiError(status: number, code: string, message: string, fields?: Record<string, string[]>, headers?: Record<string, string>) {
  return new HttpErrorResponse({ status, error: { error: { code, message, fields } }, headers: new HttpHeaders(headers ?? {}) });
}

describe('toApiError', () => {
  it('reads the contract error shape', () => {
    expect(toApiError(apiError(422, 'validation_error', 'Some fields need attention.', { email: ['Enter a valid email.'] }))).toEqual({
      status: 422,
      code: 'validation_error',
      message: 'Some fields need attention.',
      fields: { email: ['Enter a valid email.'] },
    });
  });

  it('says when the server cannot be reached, and adds Retry-After to 429s', () => {
    expect(toApiError(new HttpErrorResponse({ status: 0 })).message).toMatch(/Cannot reach DevThread/);
    expect(toApiError(apiError(429, 'rate_limited', 'Too many requests.', undefined, { 'Retry-After': '30' })).message).toBe(
      'Too many requests. (try again in 30 s)',
    );
  });

  it('copes with a non-JSON error body', () => {
    const e = toApiError(new HttpErrorResponse({ status: 502, error: '<html>Bad gateway</html>' }));
    expect(e.code).toBe('http_error');
    expect(e.message).toContain('502');
  });
});

describe('applyServerErrors', () => {
  const form = () =>
    new FormGroup({
      username: new FormControl('ada', { nonNullable: true, validators: [Validators.required] }),
      email: new FormControl('ada@x.org', { nonNullable: true }),
    });

  it('puts 409 conflict messages on their fields and returns nothing general when all matched', () => {
    const f = form();
    const general = applyServerErrors(
      f,
      toApiError(apiError(409, 'conflict', 'That account already exists.', { username: ['That username is taken.'], email: ['That email is taken.'] })),
    );
    expect(general).toBeNull();
    expect(controlMessage(f.controls.username, 'Username')).toBe('That username is taken.');
    expect(controlMessage(f.controls.email, 'Email')).toBe('That email is taken.');
  });

  it('returns the general message when no field matched (401 wrong credentials)', () => {
    const f = form();
    expect(applyServerErrors(f, toApiError(apiError(401, 'unauthorized', 'Wrong username or password.')))).toBe('Wrong username or password.');
    expect(f.valid).toBe(true);
  });

  it('reports field errors for fields the form does not have', () => {
    const f = form();
    const general = applyServerErrors(f, toApiError(apiError(422, 'validation_error', 'Some fields need attention.', { username: ['Too short.'], captcha: ['Unknown field.'] })));
    expect(general).toBe('captcha: Unknown field.');
    expect(f.controls.username.errors).toEqual({ server: 'Too short.' });
  });

  it('clears a server error when the user edits the field', () => {
    const f = form();
    applyServerErrors(f, toApiError(apiError(422, 'validation_error', 'x', { username: ['Taken.'] })));
    f.controls.username.setValue('ada2');
    expect(f.controls.username.errors).toBeNull();
  });
});
