import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/** Label + control (projected) + hint + error, wired by ids: `<fieldId>-hint`, `<fieldId>-error`. */
@Component({
  selector: 'app-form-field',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="field" [class.invalid]="!!error()">
      <label class="label" [for]="fieldId()">{{ label() }}</label>
      <ng-content />
      @if (hint()) {
        <p class="hint" [id]="fieldId() + '-hint'">{{ hint() }}</p>
      }
      @if (error()) {
        <p class="field-error" [id]="fieldId() + '-error'">{{ error() }}</p>
      }
    </div>
  `,
})
export class FormField {
  readonly label = input.required<string>();
  readonly fieldId = input.required<string>();
  readonly hint = input<string | null>(null);
  readonly error = input<string | null>(null);
}
