import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';

/** Loading, empty and error states, the same everywhere. */
@Component({
  selector: 'app-state',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @switch (kind()) {
      @case ('loading') {
        <p class="state state-loading" role="status"><span class="spinner" aria-hidden="true"></span> {{ text() || 'Loading…' }}</p>
      }
      @case ('empty') {
        <p class="state state-empty">{{ text() || 'Nothing here yet.' }}</p>
      }
      @case ('error') {
        <div class="state state-error" role="alert">
          <p>{{ text() || 'Something went wrong.' }}</p>
          <button type="button" class="btn" (click)="retry.emit()">Try again</button>
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
