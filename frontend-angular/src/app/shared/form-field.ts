import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/**
 * The `aria-describedby` of a field inside `app-form-field`: its hint when it has one, its error
 * only while the error is shown. Never an id that is not on the page (null when there is none).
 */
export function describedBy(fieldId: string, parts: { hint?: boolean; error?: string | null }): string | null {
  const ids = [parts.hint ? `${fieldId}-hint` : null, parts.error ? `${fieldId}-error` : null].filter((id) => id !== null);
  return ids.length ? ids.join(' ') : null;
}

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
