import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { AuthFlow } from '../../core/auth-flow';
import { applyServerErrors, controlMessage, toApiError } from '../../core/errors';
import { LIMITS } from '../../core/limits';
import { FormField } from '../../shared/form-field';

/** Only same-app paths are followed after signing in. */
export function safeReturnUrl(url: string | null | undefined): string {
  return url && url.startsWith('/') && !url.startsWith('//') ? url : '/';
}

@Component({
  selector: 'app-login-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, RouterLink, FormField],
  template: `
    <section class="page narrow" aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      @if (expired()) {
        <p class="notice" role="status">Your session has ended. Please sign in again.</p>
      }
      <form [formGroup]="form" (ngSubmit)="submit()" class="card form" novalidate>
        <app-form-field label="Username or email" fieldId="login" [error]="error('login', 'Username or email')">
          <input id="login" formControlName="login" autocomplete="username" [attr.aria-invalid]="!!error('login', 'x')" [attr.aria-describedby]="error('login', 'x') ? 'login-error' : null" />
        </app-form-field>
        <app-form-field label="Password" fieldId="password" [error]="error('password', 'Password')">
          <input id="password" type="password" formControlName="password" autocomplete="current-password" [attr.aria-invalid]="!!error('password', 'x')" [attr.aria-describedby]="error('password', 'x') ? 'password-error' : null" />
        </app-form-field>
        @if (general()) {
          <p class="form-error" role="alert">{{ general() }}</p>
        }
        <button type="submit" class="btn btn-primary" [disabled]="busy()">{{ busy() ? 'Signing in…' : 'Sign in' }}</button>
      </form>
      <p>New here? <a routerLink="/register">Create an account</a>.</p>
    </section>
  `,
})
export class LoginPage {
  private readonly auth = inject(AuthFlow);
  private readonly router = inject(Router);
  readonly returnUrl = input<string | undefined>(undefined);
  readonly expired = input<string | undefined>(undefined);

  readonly form = new FormGroup({
    login: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.maxLength(LIMITS.loginMax)] }),
    password: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.maxLength(LIMITS.passwordMax)] }),
  });
  readonly busy = signal(false);
  readonly general = signal<string | null>(null);
  private readonly tick = signal(0);

  constructor() {
    this.form.events.subscribe(() => this.tick.update((n) => n + 1));
  }

  error(name: 'login' | 'password', label: string): string | null {
    this.tick();
    return controlMessage(this.form.controls[name], label);
  }

  submit(): void {
    this.general.set(null);
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.tick.update((n) => n + 1);
      return;
    }
    this.busy.set(true);
    const { login, password } = this.form.getRawValue();
    this.auth.login(login.trim(), password).subscribe({
      next: () => void this.router.navigateByUrl(safeReturnUrl(this.returnUrl())),
      error: (err: unknown) => {
        this.busy.set(false);
        this.general.set(applyServerErrors(this.form, toApiError(err)));
        this.tick.update((n) => n + 1);
      },
    });
  }
}
