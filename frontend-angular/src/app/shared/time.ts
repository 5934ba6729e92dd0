import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { Clock, relativeTime } from './clock';

/** `<time>` with a relative label and the exact local time in its title. */
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
    return Number.isNaN(d.getTime()) ? this.iso() : d.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' });
  });
}
