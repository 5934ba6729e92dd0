/**
 * PATCH /me: display name, bio, location, website and who may message you; where you are signed in;
 * the language the app speaks (PATCH /me {locale}); the people you blocked and muted. (No password change here yet: the API has no POST /me/password.)
 */
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { AbstractControl, FormControl, FormGroup, ReactiveFormsModule, ValidationErrors, Validators } from '@angular/forms';
import { Announcer } from '../../core/announcer';
import { AuthFlow } from '../../core/auth-flow';
import { LIMITS, websiteMax } from '../../core/limits';
import { applyServerErrors, controlMessage, toApiError } from '../../core/errors';
import { DmPolicy, PrivateUser, ProfilePatch, SignIn } from '../../core/models';
import { Session } from '../../core/session';
import { AuthService } from '../../data/services';
import { FormField, describedBy } from '../../shared/form-field';
import { StateMessage } from '../../shared/states';
import { TimeAgo } from '../../shared/time';
import { FollowedTags } from './followed-tags';
import { KeptAwayList } from './kept-away-list';
import { NotificationSettingsSection } from './notification-settings';
import { LANGUAGES, LANGUAGE_NAMES, Lang, TKey, TPipe, formatNumber, isLang, locale, setLocale, t, tKey } from '../../i18n';

/** A website as long as the server takes it: with the `https://` it adds when the scheme is left out. */
function websiteFits(control: AbstractControl<string>): ValidationErrors | null {
  const max = websiteMax(control.value);
  return control.value.length > max ? { maxlength: { requiredLength: max, actualLength: control.value.length } } : null;
}

/** How long a user agent that names no known browser is shown before it is shortened. */
const AGENT_MAX = 60;

type Field = 'display_name' | 'bio' | 'location' | 'website' | 'dm_policy';

@Component({
  selector: 'app-settings-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, FormField, StateMessage, TimeAgo, KeptAwayList, NotificationSettingsSection, FollowedTags, TPipe],
  template: `
    <section class="page narrow" aria-labelledby="settings-title">
      <h1 id="settings-title">{{ 'settings.title' | t }}</h1>
      @if (loading()) {
        <app-state kind="loading" [text]="'settings.loading' | t" />
      } @else if (loadError()) {
        <app-state kind="error" [text]="loadError()" (retry)="load()" />
      } @else {
        <form [formGroup]="form" (ngSubmit)="save()" class="card form" novalidate>
          <p class="muted">{{ 'settings.signedInAs' | t: { username: user()?.username ?? '', email: user()?.email ?? '' } }}</p>
          <app-form-field [label]="labels.display_name | t" fieldId="display_name" [error]="error('display_name')">
            <input id="display_name" formControlName="display_name" autocomplete="name" [attr.maxlength]="limits.displayNameMax"
              [attr.aria-invalid]="invalid('display_name')" [attr.aria-describedby]="describedBy('display_name')" />
          </app-form-field>
          <app-form-field [label]="labels.bio | t" fieldId="bio" [hint]="bioCount()" [error]="error('bio')">
            <textarea id="bio" formControlName="bio" rows="3" [attr.maxlength]="limits.bioMax"
              [attr.aria-invalid]="invalid('bio')" [attr.aria-describedby]="describedBy('bio', true)"></textarea>
          </app-form-field>
          <app-form-field [label]="labels.location | t" fieldId="location" [error]="error('location')">
            <input id="location" formControlName="location" autocomplete="address-level2" [attr.maxlength]="limits.locationMax"
              [attr.aria-invalid]="invalid('location')" [attr.aria-describedby]="describedBy('location')" />
          </app-form-field>
          <app-form-field [label]="labels.website | t" fieldId="website" [hint]="'settings.websiteHint' | t" [error]="error('website')">
            <input id="website" type="url" formControlName="website" autocomplete="url" [attr.maxlength]="limits.websiteMax"
              [attr.aria-invalid]="invalid('website')" [attr.aria-describedby]="describedBy('website', true)" />
          </app-form-field>
          <fieldset class="field" [attr.aria-describedby]="describedBy('dm_policy')">
            <legend class="label">{{ 'settings.dmPolicy' | t }}</legend>
            <label class="radio"><input type="radio" formControlName="dm_policy" value="everyone" /> {{ 'settings.dmEveryone' | t }}</label>
            <label class="radio"><input type="radio" formControlName="dm_policy" value="following" /> {{ 'settings.dmFollowing' | t }}</label>
            @if (error('dm_policy'); as message) {
              <p class="field-error" id="dm_policy-error">{{ message }}</p>
            }
          </fieldset>
          @if (general()) {
            <p class="form-error" role="alert">{{ general() }}</p>
          }
          @if (saved()) {
            <p class="notice" role="status">{{ 'settings.saved' | t }}</p>
          }
          <button type="submit" class="btn btn-primary" [attr.aria-disabled]="busy() || null">{{ (busy() ? 'common.saving' : 'settings.save') | t }}</button>
        </form>
        <form class="card form" (ngSubmit)="saveLanguage()" [formGroup]="languageForm" aria-labelledby="language-title" novalidate>
          <h2 id="language-title">{{ 'settings.language.title' | t }}</h2>
          <div class="field" [class.invalid]="!!languageError()">
            <label class="label" for="locale">{{ 'settings.language.label' | t }}</label>
            <select id="locale" formControlName="locale" aria-describedby="locale-hint" [attr.aria-invalid]="!!languageError()">
              @for (lang of languages; track lang) {
                <option [value]="lang" [attr.lang]="lang">{{ languageNames[lang] }}</option>
              }
            </select>
            <p class="hint" id="locale-hint">{{ 'settings.language.hint' | t }}</p>
          </div>
          @if (languageError()) {
            <p class="form-error" role="alert">{{ languageError() }}</p>
          }
          <button type="submit" class="btn btn-primary" [attr.aria-disabled]="languageBusy() || null">{{ (languageBusy() ? 'common.saving' : 'settings.language.save') | t }}</button>
        </form>
        <section class="card form" aria-labelledby="sessions-title">
          <h2 id="sessions-title">{{ 'settings.sessions.title' | t }}</h2>
          @if (signInsLoading()) {
            <app-state kind="loading" [text]="'settings.sessions.loading' | t" />
          }
          @if (signInsError()) {
            <p class="form-error" role="alert">{{ signInsError() }}</p>
          }
          <ul class="sign-ins" aria-labelledby="sessions-title">
            @for (s of signIns(); track s.id) {
              <li class="row between sign-in">
                <div>
                  <strong>{{ device(s) }}</strong>
                  @if (s.current) {
                    <span class="pill">{{ 'settings.sessions.thisDevice' | t }}</span>
                  }
                  <span class="muted sign-in-details">
                    {{ (s.kind === 'browser' ? 'settings.sessions.browser' : 'settings.sessions.app') | t }} · {{ 'settings.sessions.signedIn' | t }}
                    <app-time [iso]="s.created_at" /> · {{ 'settings.sessions.lastActive' | t }} <app-time [iso]="s.last_seen_at" />
                  </span>
                </div>
                <button type="button" class="btn" [disabled]="endingId() === s.id" (click)="endSignIn(s)">
                  {{ 'nav.signOut' | t }}<span class="visually-hidden"> {{ device(s) }}</span>
                </button>
              </li>
            }
          </ul>
          <p class="muted" id="sessions-hint">{{ 'settings.sessions.hint' | t }}</p>
          @if (sessionsError()) {
            <p class="form-error" role="alert">{{ sessionsError() }}</p>
          }
          <div class="row">
            <button type="button" class="btn btn-danger" aria-describedby="sessions-hint" [disabled]="signingOut()" (click)="signOutEverywhere()">
              {{ (signingOut() ? 'settings.sessions.signingOut' : 'settings.sessions.everywhere') | t }}
            </button>
          </div>
        </section>
        <app-notification-settings />
        <app-followed-tags />
        <app-kept-away-list kind="blocked" />
        <app-kept-away-list kind="muted" />
      }
    </section>
  `,
})
export class SettingsPage {
  private readonly auth = inject(AuthService);
  private readonly session = inject(Session);
  private readonly announcer = inject(Announcer);
  private readonly authFlow = inject(AuthFlow);
  readonly user = this.session.user;
  readonly limits = LIMITS;
  readonly labels: Record<Field, TKey> = {
    display_name: tKey('settings.displayName'),
    bio: tKey('settings.bio'),
    location: tKey('settings.location'),
    website: tKey('settings.website'),
    dm_policy: tKey('settings.dmPolicyField'),
  };
  readonly languages = LANGUAGES;
  readonly languageNames = LANGUAGE_NAMES;
  readonly languageForm = new FormGroup({ locale: new FormControl<Lang>(locale(), { nonNullable: true }) });
  readonly languageBusy = signal(false);
  readonly languageError = signal<string | null>(null);
  readonly form = new FormGroup({
    display_name: new FormControl('', { nonNullable: true, validators: [Validators.maxLength(LIMITS.displayNameMax)] }),
    bio: new FormControl('', { nonNullable: true, validators: [Validators.maxLength(LIMITS.bioMax)] }),
    location: new FormControl('', { nonNullable: true, validators: [Validators.maxLength(LIMITS.locationMax)] }),
    website: new FormControl('', { nonNullable: true, validators: [websiteFits] }),
    dm_policy: new FormControl<DmPolicy>('everyone', { nonNullable: true }),
  });
  readonly loading = signal(true);
  readonly loadError = signal<string | null>(null);
  readonly busy = signal(false);
  readonly general = signal<string | null>(null);
  readonly saved = signal(false);
  readonly signingOut = signal(false);
  readonly sessionsError = signal<string | null>(null);
  readonly signIns = signal<SignIn[]>([]);
  readonly signInsError = signal<string | null>(null);
  readonly signInsLoading = signal(false);
  readonly endingId = signal<number | null>(null);
  private readonly tick = signal(0);

  constructor() {
    this.form.events.subscribe(() => {
      this.tick.update((n) => n + 1);
      if (this.form.dirty) this.saved.set(false);
    });
    this.load();
  }

  load(): void {
    this.loading.set(true);
    this.loadError.set(null);
    this.auth.me().subscribe({
      next: (user) => {
        this.session.setUser(user);
        this.fill(user);
        this.languageForm.reset({ locale: isLang(user.locale) ? user.locale : locale() });
        this.loading.set(false);
        this.loadSignIns();
      },
      error: (err: unknown) => {
        this.loadError.set(toApiError(err).message);
        this.loading.set(false);
      },
    });
  }

  private fill(user: PrivateUser): void {
    this.form.reset({
      display_name: user.display_name,
      bio: user.bio,
      location: user.location,
      website: user.website,
      dm_policy: user.dm_policy,
    });
  }

  error(name: Field): string | null {
    this.tick();
    return controlMessage(this.form.controls[name], t(this.labels[name]));
  }

  invalid(name: Field): boolean {
    return this.error(name) !== null;
  }

  /** Only ids that are on the page: the hint when the field has one, the error while it shows. */
  describedBy(name: Field, hint = false): string | null {
    return describedBy(name, { hint, error: this.error(name) });
  }

  bioCount(): string {
    this.tick();
    return t('common.charCount', { used: formatNumber(this.form.controls.bio.value.length), max: formatNumber(LIMITS.bioMax) });
  }

  save(): void {
    // Not [disabled] while saving: a disabled button drops keyboard focus to <body>.
    if (this.busy()) return;
    this.general.set(null);
    this.saved.set(false);
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.tick.update((n) => n + 1);
      return;
    }
    const patch: ProfilePatch = this.form.getRawValue();
    this.busy.set(true);
    this.auth.updateMe(patch).subscribe({
      next: (user) => {
        this.busy.set(false);
        this.session.setUser(user);
        this.fill(user);
        this.saved.set(true);
        this.announcer.announce(t('settings.savedAnnounce'));
      },
      error: (err: unknown) => {
        this.busy.set(false);
        this.general.set(applyServerErrors(this.form, toApiError(err)));
        this.tick.update((n) => n + 1);
      },
    });
  }

  /** PATCH /me {locale}: the account's language, here and in the pages and mails. */
  saveLanguage(): void {
    // Not [disabled] while saving: a disabled button drops keyboard focus to <body>.
    if (this.languageBusy()) return;
    const chosen = this.languageForm.getRawValue().locale;
    this.languageBusy.set(true);
    this.languageError.set(null);
    this.auth.updateMe({ locale: chosen }).subscribe({
      next: (user) => {
        this.session.setUser(user);
        // The session's account now asks for it (LocaleSync); the announcement comes in that language.
        void setLocale(chosen).then(() => {
          this.languageBusy.set(false);
          this.announcer.announce(t('settings.language.saved', { language: LANGUAGE_NAMES[chosen] }));
        });
      },
      error: (err: unknown) => {
        this.languageBusy.set(false);
        const e = toApiError(err);
        this.languageError.set(e.fields['locale']?.join(' ') ?? e.message);
      },
    });
  }

  loadSignIns(): void {
    this.signInsLoading.set(true);
    this.signInsError.set(null);
    this.auth.sessions({ limit: 100 }).subscribe({
      next: (page) => {
        this.signIns.set(page.items);
        this.signInsLoading.set(false);
      },
      error: (err: unknown) => {
        this.signInsError.set(toApiError(err).message);
        this.signInsLoading.set(false);
      },
    });
  }

  /** The user agent as sent, shortened: apps and scripts name themselves first. */
  device(s: SignIn): string {
    const agent = s.user_agent.trim();
    if (!agent) return t('settings.sessions.unknownDevice');
    return agent.length <= AGENT_MAX ? agent : `${agent.slice(0, AGENT_MAX - 1)}…`;
  }

  /** End one sign-in; ending this app's own is a sign-out. */
  endSignIn(s: SignIn): void {
    if (s.current) {
      this.authFlow.logout();
      return;
    }
    this.endingId.set(s.id);
    this.signInsError.set(null);
    this.auth.endSession(s.id).subscribe({
      next: () => {
        this.endingId.set(null);
        this.signIns.update((list) => list.filter((other) => other.id !== s.id));
        this.announcer.announce(t('settings.sessions.ended', { device: this.device(s) }));
      },
      error: (err: unknown) => {
        this.endingId.set(null);
        this.signInsError.set(toApiError(err).message);
      },
    });
  }

  signOutEverywhere(): void {
    this.signingOut.set(true);
    this.sessionsError.set(null);
    this.authFlow.logoutEverywhere().subscribe({
      error: (err: unknown) => {
        this.signingOut.set(false);
        this.sessionsError.set(toApiError(err).message);
      },
    });
  }
}
