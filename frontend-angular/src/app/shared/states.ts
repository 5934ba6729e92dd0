import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { TPipe } from '../i18n';

/** Loading, empty and error states, the same everywhere. */
@Component({
  selector: 'app-state',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [TPipe],
  template: `
    @switch (kind()) {
      @case ('loading') {
        <p class="state state-loading" role="status"><span class="spinner" aria-hidden="true"></span> {{ text() || ('states.loading' | t) }}</p>
      }
      @case ('empty') {
        <p class="state state-empty">{{ text() || ('states.empty' | t) }}</p>
      }
      @case ('error') {
        <div class="state state-error" role="alert">
          <p>{{ text() || ('errors.unknown' | t) }}</p>
          <button type="button" class="btn" (click)="retry.emit()">{{ 'states.retry' | t }}</button>
        </div>
      }
    }
  `,
})
export class StateMessage {
  readonly kind = input.required<'loading' | 'empty' | 'error'>();
  readonly text = input<string | null>(null);
  readonly retry = output<void>();
}
