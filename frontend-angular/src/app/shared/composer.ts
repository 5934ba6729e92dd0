/**
 * Write or edit a post: Markdown with a server-rendered preview (POST /markdown/preview), tags,
 * field errors from the API next to the fields. A new post is kept as a draft as you type
 * (two seconds after the typing stops) or with "Save draft"; "Post" then publishes that draft.
 */
import { ChangeDetectionStrategy, Component, DestroyRef, OnInit, inject, input, output, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { Observable, debounceTime, filter, switchMap } from 'rxjs';
import { Announcer } from '../core/announcer';
import { rovingIndex } from '../core/keyboard';
import { applyServerErrors, controlMessage, toApiError } from '../core/errors';
import { LIMITS } from '../core/limits';
import { Post } from '../core/models';
import { PostService } from '../data/services';
import { InternalLinks } from './internal-links';
import { TPipe, formatDate, formatNumber, t } from '../i18n';

let nextId = 0;

export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((t) => t.replace(/^#/, '').toLowerCase()).filter(Boolean))];
}

@Component({
  selector: 'app-composer',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, InternalLinks, TPipe],
  template: `
    <form class="card composer" [formGroup]="form" (ngSubmit)="submit()" [attr.aria-label]="(post() ? 'composer.editPost' : 'composer.newPost') | t" novalidate>
      <div class="tabs small-tabs" role="tablist" [attr.aria-label]="'composer.mode' | t">
        <button type="button" role="tab" [id]="uid + '-write-tab'" [attr.aria-selected]="mode() === 'write'" [attr.aria-controls]="uid + '-write'" [attr.tabindex]="mode() === 'write' ? 0 : -1" (keydown)="tabKey($event)" (click)="mode.set('write')">{{ 'composer.write' | t }}</button>
        <button type="button" role="tab" [id]="uid + '-preview-tab'" [attr.aria-selected]="mode() === 'preview'" [attr.aria-controls]="uid + '-preview'" [attr.tabindex]="mode() === 'preview' ? 0 : -1" (keydown)="tabKey($event)" (click)="showPreview()">{{ 'composer.preview' | t }}</button>
      </div>

      <div [id]="uid + '-write'" role="tabpanel" [attr.aria-labelledby]="uid + '-write-tab'" [hidden]="mode() !== 'write'">
        <label [for]="uid + '-body'" class="label">{{ (post() ? 'composer.editLabel' : 'composer.writeLabel') | t }} <span class="muted small">{{ 'composer.markdown' | t }}</span></label>
        <textarea
          [id]="uid + '-body'"
          formControlName="body"
          rows="5"
          [attr.maxlength]="limits.postBodyMax"
          [attr.aria-invalid]="!!bodyError()"
          [attr.aria-describedby]="uid + '-body-hint ' + (bodyError() ? uid + '-body-error' : '')"
          [placeholder]="'composer.placeholder' | t"
        ></textarea>
        <p class="hint" [id]="uid + '-body-hint'">{{ count(form.controls.body.value.length) }} / {{ count(limits.postBodyMax) }}</p>
        @if (bodyError(); as message) {
          <p class="field-error" [id]="uid + '-body-error'">{{ message }}</p>
        }
      </div>

      <div [id]="uid + '-preview'" role="tabpanel" [attr.aria-labelledby]="uid + '-preview-tab'" [hidden]="mode() !== 'preview'" aria-live="polite">
        @if (previewLoading()) {
          <p class="state" role="status">{{ 'composer.rendering' | t }}</p>
        } @else if (previewError()) {
          <p class="field-error" role="alert">{{ previewError() }}</p>
        } @else if (previewHtml() === '') {
          <div class="prose preview"><p>{{ 'composer.nothingToPreview' | t }}</p></div>
        } @else if (previewHtml() !== null) {
          <div class="prose preview" appInternalLinks [innerHTML]="previewHtml()"></div>
        }
      </div>

      <label [for]="uid + '-tags'" class="label">{{ 'composer.tags' | t }} <span class="muted small">{{ 'composer.tagsHint' | t: { count: limits.tagsMax } }}</span></label>
      <input
        [id]="uid + '-tags'"
        formControlName="tags"
        autocomplete="off"
        [placeholder]="'composer.tagsPlaceholder' | t"
        [attr.aria-invalid]="!!tagsError()"
        [attr.aria-describedby]="tagsError() ? uid + '-tags-error' : null"
      />
      @if (tagsError(); as message) {
        <p class="field-error" [id]="uid + '-tags-error'">{{ message }}</p>
      }

      @if (general()) {
        <p class="form-error" role="alert">{{ general() }}</p>
      }
      @if (!post()) {
        <p class="hint draft-status" role="status" aria-live="polite">{{ draftStatus() }}</p>
      }
      <div class="row end">
        @if (post()) {
          <button type="button" class="btn btn-ghost" (click)="cancelled.emit()">{{ 'common.cancel' | t }}</button>
        } @else {
          <button type="button" class="btn btn-ghost" [disabled]="saving()" (click)="saveDraft()">{{ 'composer.saveDraft' | t }}</button>
        }
        <button type="submit" class="btn btn-primary" [attr.aria-disabled]="saving() || null">
          {{ (saving() ? 'common.saving' : post() ? 'composer.saveChanges' : 'composer.publish') | t }}
        </button>
      </div>
    </form>
  `,
})
export class Composer implements OnInit {
  private readonly posts = inject(PostService);
  private readonly announcer = inject(Announcer);
  /** Given: edit this post. Absent: write a new one. */
  readonly post = input<Post | null>(null);
  readonly saved = output<Post>();
  readonly cancelled = output<void>();
  /** How long after the last keystroke a new post is kept as a draft. */
  readonly autosaveMs = input(2000);

  readonly uid = `composer-${++nextId}`;
  readonly limits = LIMITS;
  readonly count = formatNumber;
  readonly form = new FormGroup({
    body: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.maxLength(LIMITS.postBodyMax)] }),
    tags: new FormControl('', { nonNullable: true }),
  });
  readonly mode = signal<'write' | 'preview'>('write');
  readonly previewHtml = signal<string | null>(null);
  readonly previewLoading = signal(false);
  readonly previewError = signal<string | null>(null);
  readonly saving = signal(false);
  readonly general = signal<string | null>(null);
  /** The draft this composer keeps saving (null until its first save). */
  readonly draftId = signal<number | null>(null);
  /** The status line's words ("Draft saved at 14:02."), read politely by screen readers. */
  readonly draftStatus = signal('');
  /** Bumped on every status change so the error helpers are re-read (forms are not signals). */
  private readonly formTick = signal(0);
  private readonly destroyRef = inject(DestroyRef);
  private publishing = false;

  ngOnInit(): void {
    const post = this.post();
    if (post) this.form.setValue({ body: post.body, tags: post.tags.join(', ') });
    this.form.events.subscribe(() => this.formTick.update((n) => n + 1));
    if (!post) {
      this.form.valueChanges
        .pipe(
          debounceTime(this.autosaveMs()),
          filter(() => !this.publishing && !!this.form.controls.body.value.trim()),
          switchMap(() => this.keepDraft()),
          takeUntilDestroyed(this.destroyRef),
        )
        .subscribe();
    }
  }

  /** The "Save draft" button: keep the words now. */
  saveDraft(): void {
    if (!this.form.controls.body.value.trim()) {
      this.draftStatus.set(t('composer.draftEmpty'));
      return;
    }
    this.keepDraft().subscribe();
  }

  /** Save the words as this composer's draft (a new one the first time); say how it went. */
  private keepDraft(): Observable<Post | null> {
    const { body, tags } = this.form.getRawValue();
    const id = this.draftId();
    const request = id === null ? this.posts.create({ body, tags: parseTags(tags), draft: true }) : this.posts.update(id, { body, tags: parseTags(tags) });
    return new Observable<Post | null>((subscriber) => {
      const inner = request.subscribe({
        next: (draft) => {
          this.draftId.set(draft.id);
          const at = formatDate(new Date(), { hour: '2-digit', minute: '2-digit' });
          this.draftStatus.set(t('composer.draftSaved', { time: at }));
          subscriber.next(draft);
          subscriber.complete();
        },
        error: (err: unknown) => {
          this.draftStatus.set(t('composer.draftFailed', { message: toApiError(err).message }));
          subscriber.next(null);
          subscriber.complete();
        },
      });
      return () => inner.unsubscribe();
    });
  }

  bodyError(): string | null {
    this.formTick();
    return controlMessage(this.form.controls.body, t('composer.bodyField'));
  }

  tagsError(): string | null {
    this.formTick();
    return controlMessage(this.form.controls.tags, t('composer.tags'));
  }

  /** The ARIA tabs pattern: arrows, Home and End move to (and select) a tab; one tab stop. */
  tabKey(event: KeyboardEvent): void {
    const modes = ['write', 'preview'] as const;
    const next = rovingIndex(event.key, modes.indexOf(this.mode()), modes.length);
    if (next === null) return;
    event.preventDefault();
    if (modes[next] === 'preview') this.showPreview();
    else this.mode.set('write');
    document.getElementById(`${this.uid}-${modes[next]}-tab`)?.focus();
  }

  showPreview(): void {
    this.mode.set('preview');
    const body = this.form.controls.body.value;
    if (!body.trim()) {
      this.previewHtml.set('');
      return;
    }
    this.previewLoading.set(true);
    this.previewError.set(null);
    this.posts.previewMarkdown(body).subscribe({
      next: ({ html }) => {
        this.previewHtml.set(html);
        this.previewLoading.set(false);
      },
      error: (err: unknown) => {
        this.previewError.set(t('composer.previewFailed', { message: toApiError(err).message }));
        this.previewLoading.set(false);
      },
    });
  }

  submit(): void {
    // Not [disabled] while saving: a disabled button drops keyboard focus to <body>.
    if (this.saving()) return;
    this.general.set(null);
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.mode.set('write');
      return;
    }
    const { body, tags } = this.form.getRawValue();
    const draft = { body, tags: parseTags(tags) };
    const existing = this.post();
    const kept = this.draftId();
    this.saving.set(true);
    this.publishing = true;
    // With a draft kept, its words are saved and that draft is what gets published.
    const request = existing
      ? this.posts.update(existing.id, draft)
      : kept !== null
        ? this.posts.update(kept, draft).pipe(switchMap(() => this.posts.publish(kept)))
        : this.posts.create(draft);
    request.subscribe({
      next: (post) => {
        this.saving.set(false);
        this.publishing = false;
        if (!existing) {
          this.form.reset({ body: '', tags: '' });
          this.previewHtml.set(null);
          this.draftId.set(null);
          this.draftStatus.set('');
        }
        this.mode.set('write');
        this.announcer.announce(t(existing ? 'composer.updated' : 'composer.published'));
        this.saved.emit(post);
      },
      error: (err: unknown) => {
        this.saving.set(false);
        this.publishing = false;
        this.mode.set('write');
        this.general.set(applyServerErrors(this.form, toApiError(err)));
        this.formTick.update((n) => n + 1);
      },
    });
  }
}
