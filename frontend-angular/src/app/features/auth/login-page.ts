import { HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { Observable } from 'rxjs';
import { Announcer } from '../../core/announcer';
import { AuthFlow } from '../../core/auth-flow';
import { applyServerErrors, controlMessage, toApiError } from '../../core/errors';
import { ApiErrorBody, TokenResponse } from '../../core/models';
import { LIMITS } from '../../core/limits';
import { FormField } from '../../shared/form-field';
import { TPipe, t, tKey } from '../../i18n';

// Words read out by the announcer: catalog keys, translated when said.
export const SIGN_IN_TEXT = {
  checkFields: tKey('login.checkFields'),
  codeNeeded: tKey('login.codeNeeded'),
};

/** Only same-app paths are followed after signing in. */
export function safeReturnUrl(url: string | null | undefined): string {
  return url && url.startsWith('/') && !url.startsWith('//') ? url : '/';
}

@Component({
  selector: 'app-login-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, RouterLink, FormField, TPipe],
  template: `
    <section class="page narrow" aria-labelledby="login-title">
      <h1 id="login-title">{{ 'login.title' | t }}</h1>
      @if (expired()) {
        <p class="notice" role="status">{{ 'login.expired' | t }}</p>
      }
      @if (mfaToken()) {
        <form [formGroup]="codeForm" (ngSubmit)="submitCode()" class="card form" novalidate aria-labelledby="code-title">
          <h2 id="code-title">{{ 'login.codeTitle' | t }}</h2>
          <app-form-field [label]="'login.code' | t" fieldId="code" [error]="codeError()">
            <input id="code" formControlName="code" autocomplete="one-time-code" inputmode="text" [attr.aria-invalid]="!!codeError()" aria-describedby="code-hint" />
          </app-form-field>
          <p id="code-hint" class="hint">{{ 'login.codeHint' | t }}</p>
          @if (general()) {
            <p class="form-error" role="alert">{{ general() }}</p>
          }
          <button type="submit" class="btn btn-primary" [attr.aria-disabled]="busy() || null">{{ (busy() ? 'login.checking' : 'login.verify') | t }}</button>
          <button type="button" class="btn" (click)="startAgain()">{{ 'login.startAgain' | t }}</button>
        </form>
      } @else {
      <form [formGroup]="form" (ngSubmit)="submit()" class="card form" novalidate>
        <app-form-field [label]="'login.login' | t" fieldId="login" [error]="error('login')">
          <input id="login" formControlName="login" autocomplete="username" [attr.aria-invalid]="!!error('login')" [attr.aria-describedby]="error('login') ? 'login-error' : null" />
        </app-form-field>
        <app-form-field [label]="'login.password' | t" fieldId="password" [error]="error('password')">
          <input id="password" type="password" formControlName="password" autocomplete="current-password" [attr.aria-invalid]="!!error('password')" [attr.aria-describedby]="error('password') ? 'password-error' : null" />
        </app-form-field>
        @if (general()) {
          <p class="form-error" role="alert">{{ general() }}</p>
        }
        <button type="submit" class="btn btn-primary" [attr.aria-disabled]="busy() || null">{{ (busy() ? 'login.signingIn' : 'login.submit') | t }}</button>
      </form>
      }
      <p>{{ 'login.newHere' | t }} <a routerLink="/register">{{ 'login.createAccount' | t }}</a></p>
    </section>
  `,
})
export class LoginPage {
  private readonly auth = inject(AuthFlow);
  private readonly router = inject(Router);
  private readonly announcer = inject(Announcer);
  readonly returnUrl = input<string | undefined>(undefined);
  readonly expired = input<string | undefined>(undefined);

  readonly form = new FormGroup({
    login: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.maxLength(LIMITS.loginMax)] }),
    password: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.maxLength(LIMITS.passwordMax)] }),
  });
  /** Set when the password was right and the account also needs a code (`mfa_required`). */
  readonly mfaToken = signal<string | null>(null);
  readonly codeForm = new FormGroup({
    code: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.maxLength(LIMITS.mfaCodeMax)] }),
  });
  readonly busy = signal(false);
  readonly general = signal<string | null>(null);
  private readonly tick = signal(0);

  constructor() {
    this.form.events.subscribe(() => this.tick.update((n) => n + 1));
    this.codeForm.events.subscribe(() => this.tick.update((n) => n + 1));
  }

  codeError(): string | null {
    this.tick();
    return controlMessage(this.codeForm.controls.code, t('login.code'));
  }

  error(name: 'login' | 'password'): string | null {
    this.tick();
    return controlMessage(this.form.controls[name], t(name === 'login' ? 'login.login' : 'login.password'));
  }

  submit(): void {
    this.general.set(null);
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.tick.update((n) => n + 1);
      this.announcer.announce(t(SIGN_IN_TEXT.checkFields));
      return;
    }
    const { login, password } = this.form.getRawValue();
    this.send(this.auth.login(login.trim(), password), this.form);
  }

  submitCode(): void {
    this.general.set(null);
    const token = this.mfaToken();
    if (!token) return;
    if (this.codeForm.invalid) {
      this.codeForm.markAllAsTouched();
      this.tick.update((n) => n + 1);
      return;
    }
    this.send(this.auth.loginSecondFactor(token, this.codeForm.getRawValue().code.trim()), this.codeForm);
  }

  /** Back to the password: the pending sign-in is dropped here (it expires on the server). */
  startAgain(message: string | null = null): void {
    this.mfaToken.set(null);
    this.codeForm.reset();
    this.form.controls.password.reset();
    this.general.set(message);
  }

  private send(request: Observable<TokenResponse>, form: FormGroup): void {
    // Not [disabled] while checking: a disabled button drops keyboard focus to <body>.
    if (this.busy()) return;
    this.busy.set(true);
    request.subscribe({
      next: () => void this.router.navigateByUrl(safeReturnUrl(this.returnUrl())),
      error: (err: unknown) => {
        this.busy.set(false);
        const error = toApiError(err);
        const body = err instanceof HttpErrorResponse ? (err.error as ApiErrorBody | null) : null;
        let said: string;
        if (error.code === 'mfa_required' && body?.mfa_token) {
          // The password was right: ask for the code, keeping only the token (never the password).
          this.form.controls.password.reset();
          this.mfaToken.set(body.mfa_token);
          said = t(SIGN_IN_TEXT.codeNeeded);
        } else if (this.mfaToken() && error.status === 401) {
          // Expired (5 minutes) or already used: the code step cannot go on.
          this.startAgain(error.message);
          said = error.message;
        } else {
          this.general.set(applyServerErrors(form, error));
          said = this.general() ?? t(SIGN_IN_TEXT.checkFields);
        }
        this.tick.update((n) => n + 1);
        // Read it out: an alert inserted together with its text is not always announced.
        this.announcer.announce(said);
      },
    });
  }
}
