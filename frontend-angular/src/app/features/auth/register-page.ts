import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { AuthFlow } from '../../core/auth-flow';
import { applyServerErrors, controlMessage, toApiError } from '../../core/errors';
import { FormField } from '../../shared/form-field';

type Field = 'username' | 'email' | 'password';

@Component({
  selector: 'app-register-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, RouterLink, FormField],
  template: `
    <section class="page narrow" aria-labelledby="reg-title">
      <h1 id="reg-title">Create an account</h1>
      <form [formGroup]="form" (ngSubmit)="submit()" class="card form" novalidate>
        <app-form-field label="Username" fieldId="username" hint="3 to 30 letters, digits or underscores." [error]="error('username', 'Username')">
          <input id="username" formControlName="username" autocomplete="username" [attr.aria-invalid]="!!error('username', 'x')" aria-describedby="username-hint username-error" />
        </app-form-field>
        <app-form-field label="Email" fieldId="email" [error]="error('email', 'Email')">
          <input id="email" type="email" formControlName="email" autocomplete="email" [attr.aria-invalid]="!!error('email', 'x')" aria-describedby="email-error" />
        </app-form-field>
        <app-form-field label="Password" fieldId="password" hint="At least 10 characters." [error]="error('password', 'The password')">
          <input id="password" type="password" formControlName="password" autocomplete="new-password" [attr.aria-invalid]="!!error('password', 'x')" aria-describedby="password-hint password-error" />
        </app-form-field>
        @if (general()) {
          <p class="form-error" role="alert">{{ general() }}</p>
        }
        <button type="submit" class="btn btn-primary" [disabled]="busy()">{{ busy() ? 'Creating…' : 'Create account' }}</button>
      </form>
      <p>Already have an account? <a routerLink="/login">Sign in</a>.</p>
    </section>
  `,
})
export class RegisterPage {
  private readonly auth = inject(AuthFlow);
  private readonly router = inject(Router);
  readonly form = new FormGroup({
    username: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.minLength(3), Validators.maxLength(30), Validators.pattern(/^[A-Za-z0-9_]+$/)] }),
    email: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.email] }),
    password: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.minLength(10)] }),
  });
  readonly busy = signal(false);
  readonly general = signal<string | null>(null);
  private readonly tick = signal(0);

  constructor() {
    this.form.events.subscribe(() => this.tick.update((n) => n + 1));
  }

  error(name: Field, label: string): string | null {
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
