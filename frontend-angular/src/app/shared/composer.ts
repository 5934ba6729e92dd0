/**
 * Write or edit a post: Markdown with a server-rendered preview (POST /markdown/preview), tags,
 * field errors from the API next to the fields.
 */
import { ChangeDetectionStrategy, Component, OnInit, inject, input, output, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { Announcer } from '../core/announcer';
import { applyServerErrors, controlMessage, toApiError } from '../core/errors';
import { LIMITS } from '../core/limits';
import { Post } from '../core/models';
import { PostService } from '../data/services';
import { InternalLinks } from './internal-links';
import { TPipe, formatNumber, t } from '../i18n';

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
        <button type="button" role="tab" [id]="uid + '-write-tab'" [attr.aria-selected]="mode() === 'write'" [attr.aria-controls]="uid + '-write'" (click)="mode.set('write')">{{ 'composer.write' | t }}</button>
        <button type="button" role="tab" [id]="uid + '-preview-tab'" [attr.aria-selected]="mode() === 'preview'" [attr.aria-controls]="uid + '-preview'" (click)="showPreview()">{{ 'composer.preview' | t }}</button>
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
      <div class="row end">
        @if (post()) {
          <button type="button" class="btn btn-ghost" (click)="cancelled.emit()">{{ 'common.cancel' | t }}</button>
        }
        <button type="submit" class="btn btn-primary" [disabled]="saving()">
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
  /** Bumped on every status change so the error helpers are re-read (forms are not signals). */
  private readonly formTick = signal(0);

  ngOnInit(): void {
    const post = this.post();
    if (post) this.form.setValue({ body: post.body, tags: post.tags.join(', ') });
    this.form.events.subscribe(() => this.formTick.update((n) => n + 1));
  }

  bodyError(): string | null {
    this.formTick();
    return controlMessage(this.form.controls.body, t('composer.bodyField'));
  }

  tagsError(): string | null {
    this.formTick();
    return controlMessage(this.form.controls.tags, t('composer.tags'));
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
    this.general.set(null);
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.mode.set('write');
      return;
    }
    const { body, tags } = this.form.getRawValue();
    const draft = { body, tags: parseTags(tags) };
    const existing = this.post();
    this.saving.set(true);
    (existing ? this.posts.update(existing.id, draft) : this.posts.create(draft)).subscribe({
      next: (post) => {
        this.saving.set(false);
        if (!existing) {
          this.form.reset({ body: '', tags: '' });
          this.previewHtml.set(null);
        }
        this.mode.set('write');
        this.announcer.announce(t(existing ? 'composer.updated' : 'composer.published'));
        this.saved.emit(post);
      },
      error: (err: unknown) => {
        this.saving.set(false);
        this.mode.set('write');
        this.general.set(applyServerErrors(this.form, toApiError(err)));
        this.formTick.update((n) => n + 1);
      },
    });
  }
}
