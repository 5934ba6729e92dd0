/**
 * "More actions" under someone else's post or comment: report it, mute or block its author.
 * A disclosure (a button with aria-expanded and the panel it controls), not an ARIA menu: the
 * panel holds ordinary buttons and, when reporting, the report form. Escape closes it and
 * gives focus back to its button.
 */
import { ChangeDetectionStrategy, Component, ElementRef, inject, input, output, signal, viewChild } from '@angular/core';
import { Announcer } from '../core/announcer';
import { toApiError } from '../core/errors';
import { UserSummary } from '../core/models';
import { KeptAway, SafetyState } from '../core/safety-state';
import { ReportForm } from './report-form';
import { TPipe, t } from '../i18n';

let nextId = 0;

/** The pages' question before a block (hx-confirm on the block button). */
export function blockQuestion(username: string): string {
  return t('safety.blockQuestion', { username });
}

@Component({
  selector: 'app-safety-menu',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReportForm, TPipe],
  // Escape from anywhere inside (its button, the panel, the report form) closes the panel.
  host: { '(keydown.escape)': 'close()' },
  template: `
    <div class="more">
      <button type="button" class="btn btn-ghost more-toggle" #toggle [attr.aria-expanded]="open()" [attr.aria-controls]="open() ? uid : null" (click)="toggleOpen()">
        <span aria-hidden="true">⋯</span><span class="visually-hidden">{{ 'safety.moreActions' | t: { what: what() } }}</span>
      </button>
      @if (open()) {
        <div class="more-panel card" [id]="uid">
          @if (reporting()) {
            <app-report-form [targetType]="targetType()" [targetId]="targetId()" [what]="what()" (cancelled)="stopReporting()" />
          } @else {
            <ul class="more-actions">
              <li>
                <button type="button" class="linklike" #first (click)="reporting.set(true)">{{ (targetType() === 'post' ? 'safety.reportPost' : 'safety.reportComment') | t }}</button>
              </li>
              <li>
                <button type="button" class="linklike" [attr.aria-pressed]="muting()" [attr.aria-disabled]="busy() || null" [disabled]="!safety.loaded()" (click)="toggleMute()">
                  {{ (muting() ? 'safety.unmute' : 'safety.mute') | t }} &#64;{{ author().username }}
                </button>
              </li>
              <li>
                <button type="button" class="linklike danger" [attr.aria-pressed]="blocking()" [attr.aria-disabled]="busy() || null" [disabled]="!safety.loaded()" (click)="toggleBlock()">
                  {{ (blocking() ? 'safety.unblock' : 'safety.block') | t }} &#64;{{ author().username }}
                </button>
              </li>
            </ul>
            @if (!safety.loaded() && !error()) {
              <p class="muted small" role="status">{{ 'safety.checking' | t }}</p>
            }
            @if (error()) {
              <p class="form-error" role="alert">{{ error() }}</p>
            }
          }
        </div>
      }
    </div>
  `,
})
export class SafetyMenu {
  readonly safety = inject(SafetyState);
  private readonly announcer = inject(Announcer);

  readonly author = input.required<UserSummary>();
  readonly targetType = input.required<'post' | 'comment'>();
  readonly targetId = input.required<number>();
  /** What the actions are about, for people: "this post by @ada". */
  readonly what = input.required<string>();
  /** The author was blocked or muted from here (a list may fold their posts now). */
  readonly keptAway = output<KeptAway>();

  readonly uid = `more-${++nextId}`;
  readonly open = signal(false);
  readonly reporting = signal(false);
  readonly busy = signal(false);
  readonly error = signal<string | null>(null);
  private readonly toggle = viewChild.required<ElementRef<HTMLButtonElement>>('toggle');
  private readonly first = viewChild<ElementRef<HTMLButtonElement>>('first');

  muting(): boolean {
    return this.safety.muting(this.author().username);
  }

  blocking(): boolean {
    return this.safety.blocking(this.author().username);
  }

  toggleOpen(): void {
    if (this.open()) return this.close();
    this.open.set(true);
    this.reporting.set(false);
    this.error.set(null);
    this.safety.load().subscribe({ error: (err: unknown) => this.error.set(toApiError(err).message) });
    setTimeout(() => this.first()?.nativeElement.focus());
  }

  close(): void {
    if (!this.open()) return;
    this.open.set(false);
    this.toggle().nativeElement.focus();
  }

  stopReporting(): void {
    this.reporting.set(false);
    setTimeout(() => this.first()?.nativeElement.focus());
  }

  toggleMute(): void {
    if (this.busy()) return;
    const name = this.author().username;
    const on = !this.muting();
    this.run(on ? this.safety.mute(name) : this.safety.unmute(name), t(on ? 'safety.muted' : 'safety.unmuted', { username: name }), on ? 'muted' : null);
  }

  toggleBlock(): void {
    if (this.busy()) return;
    const name = this.author().username;
    const on = !this.blocking();
    if (on && !globalThis.confirm?.(blockQuestion(name))) return;
    this.run(on ? this.safety.block(name) : this.safety.unblock(name), t(on ? 'safety.blocked' : 'safety.unblocked', { username: name }), on ? 'blocked' : null);
  }

  private run(action: ReturnType<SafetyState['mute']>, done: string, kept: KeptAway | null): void {
    this.busy.set(true);
    this.error.set(null);
    action.subscribe({
      next: () => {
        this.busy.set(false);
        this.announcer.announce(done);
        if (kept) {
          this.close();
          this.keptAway.emit(kept);
        }
      },
      error: (err: unknown) => {
        this.busy.set(false);
        this.error.set(toApiError(err).message);
      },
    });
  }
}
