/**
 * Report a post, a comment or a person to the moderators (POST /reports): a reason and an
 * optional note, as the pages' report form asks. Shown in place (under a post, a comment or a
 * profile); after sending, it says thank you and moves focus there.
 */
import { ChangeDetectionStrategy, Component, ElementRef, inject, input, output, signal, viewChild } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { Announcer } from '../core/announcer';
import { applyServerErrors, controlMessage, toApiError } from '../core/errors';
import { LIMITS } from '../core/limits';
import { Report, ReportReason, ReportTargetType } from '../core/models';
import { SafetyService } from '../data/services';
import { describedBy } from './form-field';
import { TKey, TPipe, formatNumber, t, tKey } from '../i18n';

/** The pages' labels for the report reasons; a reason the SPA does not know shows as sent. */
const REASON_LABELS: Readonly<Record<string, TKey>> = {
  spam: tKey('report.reasons.spam'),
  abuse: tKey('report.reasons.abuse'),
  off_topic: tKey('report.reasons.offTopic'),
  other: tKey('report.reasons.other'),
};

let nextId = 0;

type Field = 'reason' | 'note';

@Component({
  selector: 'app-report-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, TPipe],
  template: `
    @if (sent()) {
      <p class="notice report-done" role="status" tabindex="-1" #thanks>{{ 'report.thanks' | t }}</p>
    } @else {
      <form class="report-form" [formGroup]="form" (ngSubmit)="send()" [attr.aria-labelledby]="uid + '-title'" novalidate>
        <p class="report-title" [id]="uid + '-title'"><strong>{{ 'report.title' | t: { what: what() } }}</strong></p>
        <p class="hint" [id]="uid + '-private'">{{ 'report.private' | t }}</p>
        <div class="field" [class.invalid]="!!error('reason')">
          <label class="label" [for]="uid + '-reason'">{{ 'report.reason' | t }}</label>
          <select [id]="uid + '-reason'" formControlName="reason" [attr.aria-invalid]="!!error('reason')"
            [attr.aria-describedby]="describe('reason')">
            <option value="" disabled>{{ 'report.chooseReason' | t }}</option>
            @for (reason of reasons; track reason) {
              <option [value]="reason">{{ label(reason) }}</option>
            }
          </select>
          @if (error('reason'); as message) {
            <p class="field-error" [id]="uid + '-reason-error'">{{ message }}</p>
          }
        </div>
        <div class="field" [class.invalid]="!!error('note')">
          <label class="label" [for]="uid + '-note'">{{ 'report.note' | t }}</label>
          <textarea [id]="uid + '-note'" formControlName="note" rows="2" [attr.maxlength]="limits.reportNoteMax"
            [attr.aria-invalid]="!!error('note')" [attr.aria-describedby]="describe('note', true)"></textarea>
          <p class="hint" [id]="uid + '-note-hint'">{{ 'common.charCount' | t: { used: count(form.controls.note.value.length), max: count(limits.reportNoteMax) } }}</p>
          @if (error('note'); as message) {
            <p class="field-error" [id]="uid + '-note-error'">{{ message }}</p>
          }
        </div>
        @if (general()) {
          <p class="form-error" role="alert">{{ general() }}</p>
        }
        <div class="row end">
          <button type="button" class="btn btn-ghost" (click)="cancelled.emit()">{{ 'common.cancel' | t }}</button>
          <button type="submit" class="btn btn-primary" [attr.aria-disabled]="busy() || null">{{ (busy() ? 'common.sending' : 'report.send') | t }}</button>
        </div>
      </form>
    }
  `,
})
export class ReportForm {
  private readonly safety = inject(SafetyService);
  private readonly announcer = inject(Announcer);

  readonly targetType = input.required<ReportTargetType>();
  /** A post or comment id; a person's username. */
  readonly targetId = input.required<number | string>();
  /** What is reported, for people: "this post by @ada". */
  readonly what = input.required<string>();
  readonly done = output<Report>();
  readonly cancelled = output<void>();

  readonly uid = `report-${++nextId}`;
  readonly limits = LIMITS;
  readonly reasons = LIMITS.reportReasons;
  readonly count = formatNumber;
  readonly form = new FormGroup({
    reason: new FormControl<ReportReason | ''>('', { nonNullable: true, validators: [Validators.required] }),
    note: new FormControl('', { nonNullable: true, validators: [Validators.maxLength(LIMITS.reportNoteMax)] }),
  });
  readonly busy = signal(false);
  readonly sent = signal(false);
  readonly general = signal<string | null>(null);
  private readonly tick = signal(0);
  private readonly thanks = viewChild<ElementRef<HTMLElement>>('thanks');

  constructor() {
    this.form.events.subscribe(() => this.tick.update((n) => n + 1));
  }

  label(reason: string): string {
    const key = REASON_LABELS[reason];
    return key ? t(key) : reason;
  }

  error(name: Field): string | null {
    this.tick();
    return controlMessage(this.form.controls[name], t(name === 'reason' ? 'report.reasonField' : 'report.noteField'));
  }

  /** The privacy line always; the note's count; an error only while it shows. */
  describe(name: Field, hint = false): string {
    const own = describedBy(`${this.uid}-${name}`, { hint, error: this.error(name) });
    return [`${this.uid}-private`, own].filter(Boolean).join(' ');
  }

  send(): void {
    // Not [disabled] while sending: a disabled button drops keyboard focus to <body>.
    if (this.busy()) return;
    this.general.set(null);
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.tick.update((n) => n + 1);
      return;
    }
    const { reason, note } = this.form.getRawValue();
    if (reason === '') return; // required: the form was invalid
    this.busy.set(true);
    this.safety.report({ target_type: this.targetType(), target_id: this.targetId(), reason, ...(note.trim() ? { note } : {}) }).subscribe({
      next: (report) => {
        this.busy.set(false);
        this.sent.set(true);
        this.announcer.announce(t('report.sent'));
        setTimeout(() => this.thanks()?.nativeElement.focus());
        this.done.emit(report);
      },
      error: (err: unknown) => {
        this.busy.set(false);
        this.general.set(applyServerErrors(this.form, toApiError(err)));
        this.tick.update((n) => n + 1);
      },
    });
  }
}
