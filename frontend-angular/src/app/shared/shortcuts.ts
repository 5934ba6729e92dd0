/**
 * Keyboard shortcuts for the whole app (j/k posts, r react, c comment, n new post, / search,
 * ? help) and the help dialog. Keys typed into a field, or with a modifier, are left alone.
 */
import { ChangeDetectionStrategy, Component, ElementRef, inject, viewChild } from '@angular/core';
import { Router } from '@angular/router';
import { closeDisclosure, focusAndReveal, ignoredKey, nextIndex } from '../core/keyboard';
import { Session } from '../core/session';
import { TPipe, tKey } from '../i18n';

// The help's words: catalog keys (nav.shortcuts.*), translated in the template.
export const SHORTCUT_TEXT = {
  title: tKey('nav.shortcuts.title'),
  close: tKey('nav.shortcuts.close'),
  note: tKey('nav.shortcuts.note'),
  keys: [
    { keys: ['j', 'k'], what: tKey('nav.shortcuts.move') },
    { keys: ['r'], what: tKey('nav.shortcuts.react') },
    { keys: ['c'], what: tKey('nav.shortcuts.comment') },
    { keys: ['n'], what: tKey('nav.shortcuts.newPost') },
    { keys: ['/'], what: tKey('nav.shortcuts.search') },
    { keys: ['?'], what: tKey('nav.shortcuts.help') },
    { keys: ['Esc'], what: tKey('nav.shortcuts.escape') },
  ],
};

/** Wait (briefly) for an element the next page renders, then focus it. */
function focusWhenShown(selector: string, tries = 40): void {
  // After the app has moved focus to the new page's <main> (app.ts), never before.
  setTimeout(() => {
    const el = document.querySelector<HTMLElement>(selector);
    if (el) el.focus();
    else if (tries > 0) focusWhenShown(selector, tries - 1);
  }, 50);
}

@Component({
  selector: 'app-shortcuts',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [TPipe],
  host: { '(document:keydown)': 'onKey($event)' },
  template: `
    <dialog #help class="shortcuts-dialog" aria-labelledby="shortcuts-title" (close)="restoreFocus()">
      <h2 id="shortcuts-title">{{ text.title | t }}</h2>
      <dl class="shortcuts-list">
        @for (item of text.keys; track item.what) {
          <dt>
            @for (key of item.keys; track key; let last = $last) {
              <kbd>{{ key }}</kbd>{{ last ? '' : ' / ' }}
            }
          </dt>
          <dd>{{ item.what | t }}</dd>
        }
      </dl>
      <p class="hint">{{ text.note | t }}</p>
      <form method="dialog"><button type="submit" class="btn btn-small">{{ text.close | t }}</button></form>
    </dialog>
  `,
})
export class Shortcuts {
  private readonly router = inject(Router);
  private readonly session = inject(Session);
  private readonly help = viewChild.required<ElementRef<HTMLDialogElement>>('help');
  private opener: HTMLElement | null = null;
  readonly text = SHORTCUT_TEXT;

  onKey(event: KeyboardEvent): void {
    if (closeDisclosure(event)) return;
    if (ignoredKey(event) || document.querySelector('dialog[open]')) return;
    const action = this.actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  private readonly actions: Record<string, () => void> = {
    j: () => this.move(1),
    k: () => this.move(-1),
    r: () => this.react(),
    c: () => this.comment(),
    n: () => this.compose(),
    '/': () => document.querySelector<HTMLInputElement>('#nav-q')?.focus(),
    '?': () => this.openHelp(),
  };

  openHelp(): void {
    const dialog = this.help().nativeElement;
    if (dialog.open) return;
    this.opener = document.activeElement as HTMLElement | null;
    if (typeof dialog.showModal === 'function') dialog.showModal();
    else dialog.setAttribute('open', '');
  }

  restoreFocus(): void {
    if (this.opener?.isConnected && this.opener !== document.body) this.opener.focus();
    this.opener = null;
  }

  private posts(): HTMLElement[] {
    return [...document.querySelectorAll<HTMLElement>('main article.post')];
  }

  private current(): HTMLElement | null {
    const here = (document.activeElement as HTMLElement | null)?.closest?.<HTMLElement>('article.post') ?? null;
    if (here) return here;
    const all = this.posts();
    return all.length === 1 ? all[0] : null;
  }

  private move(step: number): void {
    const all = this.posts();
    const here = (document.activeElement as HTMLElement | null)?.closest?.<HTMLElement>('article.post');
    const next = nextIndex(here ? all.indexOf(here) : -1, step, all.length);
    if (next !== null) focusAndReveal(all[next]);
  }

  private react(): void {
    const post = this.current();
    const button = post?.querySelector<HTMLButtonElement>('.reactions button');
    if (!post || !button) return;
    if (!post.contains(document.activeElement)) focusAndReveal(post);
    button.click();
  }

  private comment(): void {
    const box = document.querySelector<HTMLElement>('#new-comment');
    if (box) {
      box.focus();
      return;
    }
    const id = this.current()?.getAttribute('data-post-id');
    if (!id) return;
    void this.router.navigate(['/p', id]).then(() => focusWhenShown('#new-comment'));
  }

  private compose(): void {
    const box = document.querySelector<HTMLElement>('.composer textarea');
    if (box) {
      box.focus();
      return;
    }
    if (!this.session.signedIn()) return;
    void this.router.navigate(['/']).then(() => focusWhenShown('.composer textarea'));
  }
}
