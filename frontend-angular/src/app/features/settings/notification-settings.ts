/**
 * GET/PATCH /me/notification_settings: each type of notification on the site and by mail, and
 * the digest mail. Saved with one button; only what changed is sent.
 */
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Announcer } from '../../core/announcer';
import { toApiError } from '../../core/errors';
import { DigestFrequency, NotificationSettings, NotificationSettingsChange } from '../../core/models';
import { NotificationService } from '../../data/services';
import { StateMessage } from '../../shared/states';
import { TKey, TPipe, t, tKey } from '../../i18n';

const TYPE_NAMES: Record<string, TKey> = {
  follow: tKey('settings.notifications.types.follow'),
  reaction: tKey('settings.notifications.types.reaction'),
  comment: tKey('settings.notifications.types.comment'),
  reply: tKey('settings.notifications.types.reply'),
  mention: tKey('settings.notifications.types.mention'),
  message: tKey('settings.notifications.types.message'),
};

const DIGESTS: { value: DigestFrequency; label: TKey }[] = [
  { value: 'off', label: tKey('settings.notifications.digestOff') },
  { value: 'daily', label: tKey('settings.notifications.digestDaily') },
  { value: 'weekly', label: tKey('settings.notifications.digestWeekly') },
];

interface Row {
  type: string;
  web: boolean;
  email: boolean;
}

@Component({
  selector: 'app-notification-settings',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule, StateMessage, TPipe],
  template: `
    <section class="card form" aria-labelledby="notification-settings-title">
      <h2 id="notification-settings-title">{{ 'settings.notifications.title' | t }}</h2>
      @if (loading()) {
        <app-state kind="loading" [text]="'settings.notifications.loading' | t" />
      } @else if (loadError()) {
        <app-state kind="error" [text]="loadError()" (retry)="load()" />
      } @else {
        <form (ngSubmit)="save()">
          <table class="settings-table">
            <caption class="visually-hidden">{{ 'settings.notifications.caption' | t }}</caption>
            <thead>
              <tr>
                <th scope="col">{{ 'settings.notifications.kind' | t }}</th>
                <th scope="col">{{ 'settings.notifications.web' | t }}</th>
                <th scope="col">{{ 'settings.notifications.email' | t }}</th>
              </tr>
            </thead>
            <tbody>
              @for (row of rows(); track row.type) {
                <tr>
                  <th scope="row">{{ name(row.type) }}</th>
                  <td>
                    <input type="checkbox" [id]="'ns-' + row.type + '-web'" [name]="row.type + '-web'" [(ngModel)]="row.web"
                      [attr.aria-label]="'settings.notifications.webFor' | t: { kind: name(row.type) }" />
                  </td>
                  <td>
                    <input type="checkbox" [id]="'ns-' + row.type + '-email'" [name]="row.type + '-email'" [(ngModel)]="row.email"
                      [attr.aria-label]="'settings.notifications.emailFor' | t: { kind: name(row.type) }" />
                  </td>
                </tr>
              }
            </tbody>
          </table>
          <fieldset class="field" aria-describedby="digest-hint">
            <legend class="label">{{ 'settings.notifications.digest' | t }}</legend>
            @for (d of digests; track d.value) {
              <label class="radio" [for]="'digest-' + d.value"
                ><input type="radio" [id]="'digest-' + d.value" name="digest" [value]="d.value" [(ngModel)]="digest" /> {{ d.label | t }}</label
              >
            }
            <p class="muted" id="digest-hint">{{ 'settings.notifications.digestHint' | t }}</p>
          </fieldset>
          <p class="muted">{{ 'settings.notifications.mailNote' | t }}</p>
          @if (error()) {
            <p class="form-error" role="alert">{{ error() }}</p>
          }
          @if (saved()) {
            <p class="notice" role="status">{{ 'settings.saved' | t }}</p>
          }
          <button type="submit" class="btn btn-primary" [attr.aria-disabled]="busy() || null">{{ (busy() ? 'common.saving' : 'settings.notifications.save') | t }}</button>
        </form>
      }
    </section>
  `,
})
export class NotificationSettingsSection {
  private readonly notifications = inject(NotificationService);
  private readonly announcer = inject(Announcer);
  readonly digests = DIGESTS;
  readonly rows = signal<Row[]>([]);
  digest: DigestFrequency = 'off';
  private stored: NotificationSettings | null = null;
  readonly loading = signal(true);
  readonly loadError = signal<string | null>(null);
  readonly busy = signal(false);
  readonly error = signal<string | null>(null);
  readonly saved = signal(false);

  constructor() {
    this.load();
  }

  name(type: string): string {
    const key = TYPE_NAMES[type];
    return key ? t(key) : type;
  }

  load(): void {
    this.loading.set(true);
    this.loadError.set(null);
    this.notifications.settings().subscribe({
      next: (settings) => {
        this.fill(settings);
        this.loading.set(false);
      },
      error: (err: unknown) => {
        this.loadError.set(toApiError(err).message);
        this.loading.set(false);
      },
    });
  }

  private fill(settings: NotificationSettings): void {
    this.stored = settings;
    this.rows.set(Object.entries(settings.types).map(([type, s]) => ({ type, web: s.web, email: s.email })));
    this.digest = settings.digest;
  }

  /** Only what differs from what the server holds. */
  change(): NotificationSettingsChange {
    const change: NotificationSettingsChange = {};
    const types: NonNullable<NotificationSettingsChange['types']> = {};
    for (const row of this.rows()) {
      const before = this.stored?.types[row.type];
      if (!before || before.web !== row.web || before.email !== row.email) {
        types[row.type] = { web: row.web, email: row.email };
      }
    }
    if (Object.keys(types).length) change.types = types;
    if (this.digest !== this.stored?.digest) change.digest = this.digest;
    return change;
  }

  save(): void {
    // Not [disabled] while saving: a disabled button drops keyboard focus to <body>.
    if (this.busy()) return;
    this.error.set(null);
    this.saved.set(false);
    const change = this.change();
    if (!change.types && !change.digest) {
      this.saved.set(true);
      return;
    }
    this.busy.set(true);
    this.notifications.updateSettings(change).subscribe({
      next: (settings) => {
        this.busy.set(false);
        this.fill(settings);
        this.saved.set(true);
        this.announcer.announce(t('settings.notifications.saved'));
      },
      error: (err: unknown) => {
        this.busy.set(false);
        this.error.set(toApiError(err).message);
      },
    });
  }
}
