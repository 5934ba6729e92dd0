import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { AuthFlow } from '../../core/auth-flow';
import { applyServerErrors, controlMessage, toApiError } from '../../core/errors';
import { LIMITS, USERNAME_RE } from '../../core/limits';
import { FormField, describedBy } from '../../shared/form-field';
import { TKey, TPipe, t, tKey } from '../../i18n';

type Field = 'username' | 'email' | 'password';

@Component({
  selector: 'app-register-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, RouterLink, FormField, TPipe],
  template: `
    <section class="page narrow" aria-labelledby="reg-title">
      <h1 id="reg-title">{{ 'register.title' | t }}</h1>
      <form [formGroup]="form" (ngSubmit)="submit()" class="card form" novalidate>
        <app-form-field [label]="'register.username' | t" fieldId="username" [hint]="'register.usernameHint' | t: { min: limits.usernameMin, max: limits.usernameMax }" [error]="error('username')">
          <input id="username" formControlName="username" autocomplete="username" [attr.aria-invalid]="!!error('username')" [attr.aria-describedby]="describedBy('username', true)" />
        </app-form-field>
        <app-form-field [label]="'register.email' | t" fieldId="email" [error]="error('email')">
          <input id="email" type="email" formControlName="email" autocomplete="email" [attr.aria-invalid]="!!error('email')" [attr.aria-describedby]="describedBy('email')" />
        </app-form-field>
        <app-form-field [label]="'register.password' | t" fieldId="password" [hint]="'register.passwordHint' | t: { count: limits.passwordMin }" [error]="error('password')">
          <input id="password" type="password" formControlName="password" autocomplete="new-password" [attr.aria-invalid]="!!error('password')" [attr.aria-describedby]="describedBy('password', true)" />
        </app-form-field>
        @if (general()) {
          <p class="form-error" role="alert">{{ general() }}</p>
        }
        <button type="submit" class="btn btn-primary" [attr.aria-disabled]="busy() || null">{{ (busy() ? 'register.creating' : 'register.submit') | t }}</button>
      </form>
      <p>{{ 'register.haveAccount' | t }} <a routerLink="/login">{{ 'register.signIn' | t }}</a></p>
    </section>
  `,
})
export class RegisterPage {
  private readonly auth = inject(AuthFlow);
  private readonly router = inject(Router);
  readonly form = new FormGroup({
    username: new FormControl('', {
      nonNullable: true,
      validators: [Validators.required, Validators.minLength(LIMITS.usernameMin), Validators.maxLength(LIMITS.usernameMax), Validators.pattern(USERNAME_RE)],
    }),
    email: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.email, Validators.maxLength(LIMITS.emailMax)] }),
    password: new FormControl('', {
      nonNullable: true,
      validators: [Validators.required, Validators.minLength(LIMITS.passwordMin), Validators.maxLength(LIMITS.passwordMax)],
    }),
  });
  readonly busy = signal(false);
  readonly general = signal<string | null>(null);
  private readonly tick = signal(0);

  constructor() {
    this.form.events.subscribe(() => this.tick.update((n) => n + 1));
  }

  readonly limits = LIMITS;
  private readonly labels: Record<Field, TKey> = {
    username: tKey('register.username'),
    email: tKey('register.email'),
    password: tKey('register.passwordField'),
  };

  error(name: Field): string | null {
    this.tick();
    return controlMessage(this.form.controls[name], t(this.labels[name]));
  }

  /** Only ids that are on the page: the hint when the field has one, the error while it shows. */
  describedBy(name: Field, hint = false): string | null {
    return describedBy(name, { hint, error: this.error(name) });
  }

  submit(): void {
    // Not [disabled] while creating: a disabled button drops keyboard focus to <body>.
    if (this.busy()) return;
    this.general.set(null);
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.tick.update((n) => n + 1);
      return;
    }
    this.busy.set(true);
    const { username, email, password } = this.form.getRawValue();
    this.auth.register(username.trim(), email.trim(), password).subscribe({
      next: () => void this.router.navigateByUrl('/'),
      error: (err: unknown) => {
        this.busy.set(false);
        this.general.set(applyServerErrors(this.form, toApiError(err)));
        this.tick.update((n) => n + 1);
      },
    });
  }
}
