/** Turning HTTP failures into something a person can read, and field errors into form errors. */
import { HttpErrorResponse } from '@angular/common/http';
import { AbstractControl, FormGroup } from '@angular/forms';
import { ApiErrorBody } from './models';
import { t } from '../i18n';

export interface ApiError {
  status: number;
  code: string;
  message: string;
  fields: Record<string, string[]>;
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  const error = (body as ApiErrorBody | null)?.error;
  return typeof error === 'object' && error !== null && typeof error.message === 'string';
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof HttpErrorResponse) {
    if (isErrorBody(error.error)) {
      const { code, message, fields } = error.error.error;
      let text = message;
      const retry = error.status === 429 ? error.headers?.get('Retry-After') : null;
      if (retry) text = t('errors.retryAfter', { message, seconds: retry });
      return { status: error.status, code, message: text, fields: fields ?? {} };
    }
    if (error.status === 0) {
      return { status: 0, code: 'network', message: t('errors.network'), fields: {} };
    }
    return { status: error.status, code: 'http_error', message: t('errors.http', { status: String(error.status) }), fields: {} };
  }
  const message = error instanceof Error ? error.message : t('errors.unknown');
  return { status: -1, code: 'client_error', message, fields: {} };
}

/**
 * Put each `error.fields` message on the form control of that name (as the `server` error, cleared
 * on the next edit) and return the message to show above the form: the general message when no
 * field matched, plus any field messages that had no control to go to.
 */
export function applyServerErrors(form: FormGroup, error: ApiError): string | null {
  const unmatched: string[] = [];
  let matched = 0;
  for (const [name, messages] of Object.entries(error.fields)) {
    const control: AbstractControl | null = form.get(name);
    if (control) {
      control.setErrors({ ...(control.errors ?? {}), server: messages.join(' ') });
      control.markAsTouched();
      matched++;
    } else {
      unmatched.push(`${name}: ${messages.join(' ')}`);
    }
  }
  if (matched === 0) return [error.message, ...unmatched].join(' ');
  return unmatched.length ? unmatched.join(' ') : null;
}

/** The first human message for a control's errors (client or server), or null; `label` is translated. */
export function controlMessage(control: AbstractControl | null, label: string): string | null {
  const errors = control?.errors;
  if (!errors || !(control.touched || control.dirty)) return null;
  if (errors['server']) return String(errors['server']);
  if (errors['required']) return t('errors.required', { label });
  if (errors['minlength']) return t('errors.minLength', { label, count: errors['minlength'].requiredLength });
  if (errors['maxlength']) return t('errors.maxLength', { label, count: errors['maxlength'].requiredLength });
  if (errors['email']) return t('errors.email');
  if (errors['pattern']) return t('errors.pattern', { label });
  return t('errors.invalid', { label });
}
