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

const TYPE_NAMES: Record<string, string> = {
  follow: 'Someone follows you',
  reaction: 'Reactions to your posts',
  comment: 'Comments on your posts',
  reply: 'Replies to your comments',
  mention: 'Mentions of you',
  message: 'Direct messages',
};

const DIGESTS: { value: DigestFrequency; label: string }[] = [
  { value: 'off', label: 'Never' },
  { value: 'daily', label: 'Every day' },
  { value: 'weekly', label: 'Every week' },
];

interface Row {
  type: string;
  web: boolean;
  email: boolean;
}

@Component({
  selector: 'app-notification-settings',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule, StateMessage],
  template: `
    <section class="card form" aria-labelledby="notification-settings-title">
      <h2 id="notification-settings-title">Notifications</h2>
      @if (loading()) {
        <app-state kind="loading" text="Loading your notification settings…" />
      } @else if (loadError()) {
        <app-state kind="error" [text]="loadError()" (retry)="load()" />
      } @else {
        <form (ngSubmit)="save()">
          <table class="settings-table">
            <caption class="visually-hidden">Where each kind of notification reaches you</caption>
            <thead>
              <tr><th scope="col">Notification</th><th scope="col">On the site</th><th scope="col">By email</th></tr>
            </thead>
            <tbody>
              @for (row of rows(); track row.type) {
                <tr>
                  <th scope="row">{{ name(row.type) }}</th>
                  <td>
                    <input type="checkbox" [id]="'ns-' + row.type + '-web'" [name]="row.type + '-web'" [(ngModel)]="row.web"
                      [attr.aria-label]="name(row.type) + ': on the site'" />
                  </td>
                  <td>
                    <input type="checkbox" [id]="'ns-' + row.type + '-email'" [name]="row.type + '-email'" [(ngModel)]="row.email"
                      [attr.aria-label]="name(row.type) + ': by email'" />
                  </td>
                </tr>
              }
            </tbody>
          </table>
          <fieldset class="field" aria-describedby="digest-hint">
            <legend class="label">Digest mail</legend>
            @for (d of digests; track d.value) {
              <label class="radio" [for]="'digest-' + d.value"
                ><input type="radio" [id]="'digest-' + d.value" name="digest" [value]="d.value" [(ngModel)]="digest" /> {{ d.label }}</label
              >
            }
            <p class="muted" id="digest-hint">A summary of your unread notifications and the top posts from people and tags you follow.</p>
          </fieldset>
          <p class="muted">Mail goes only to a verified address. Every optional mail has a link to stop it.</p>
          @if (error()) {
            <p class="form-error" role="alert">{{ error() }}</p>
          }
          @if (saved()) {
            <p class="notice" role="status">Saved.</p>
          }
          <button type="submit" class="btn btn-primary" [disabled]="busy()">{{ busy() ? 'Saving…' : 'Save notification settings' }}</button>
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
    return TYPE_NAMES[type] ?? type;
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
        this.announcer.announce('Notification settings saved.');
      },
      error: (err: unknown) => {
        this.busy.set(false);
        this.error.set(toApiError(err).message);
      },
    });
  }
}
