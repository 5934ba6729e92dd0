import { Injectable, signal } from '@angular/core';

/** Text for the app's polite aria-live region (new messages, notifications, saved forms). */
@Injectable({ providedIn: 'root' })
export class Announcer {
  readonly message = signal('');
  private timer: ReturnType<typeof setTimeout> | null = null;

  announce(text: string): void {
    // Clearing first makes a repeated identical message be read again.
    this.message.set('');
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.message.set(text), 50);
  }
}
