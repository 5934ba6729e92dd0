import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { Clock, relativeTime } from './clock';
import { formatDate } from '../i18n';

/** `<time>` with a relative label and the exact time (the account's zone) in its title. */
@Component({
  selector: 'app-time',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<time [attr.datetime]="iso()" [title]="exact()">{{ label() }}</time>`,
})
export class TimeAgo {
  private readonly clock = inject(Clock);
  readonly iso = input.required<string>();
  readonly label = computed(() => relativeTime(this.iso(), this.clock.now()));
  readonly exact = computed(() => {
    const d = new Date(this.iso());
    return Number.isNaN(d.getTime()) ? this.iso() : formatDate(d, { dateStyle: 'full', timeStyle: 'short' });
  });
}
