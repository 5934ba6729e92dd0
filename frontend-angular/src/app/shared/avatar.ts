import { ChangeDetectionStrategy, Component, computed, input, signal } from '@angular/core';
import { UserSummary } from '../core/models';
import { TPipe } from '../i18n';

/** The user's avatar, or their initial when the image fails; decorative (the name is always next to it). */
@Component({
  selector: 'app-avatar',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [TPipe],
  template: `
    <span class="avatar" [style.width.px]="size()" [style.height.px]="size()" aria-hidden="true">
      @if (!failed() && user().avatar_url) {
        <img [src]="user().avatar_url" alt="" [width]="size()" [height]="size()" (error)="failed.set(true)" loading="lazy" />
      } @else {
        <span class="avatar-initial">{{ initial() }}</span>
      }
      @if (known()) {
        <span class="dot" [class.on]="online()"></span>
      }
    </span>
    @if (known()) {
      <span class="visually-hidden">{{ (online() ? 'presence.onlineNote' : 'presence.offlineNote') | t }}</span>
    }
  `,
})
export class Avatar {
  readonly user = input.required<Pick<UserSummary, 'username' | 'display_name' | 'avatar_url'>>();
  readonly size = input(40);
  /** true or false shows a dot; null (unknown) or undefined (not asked) shows none. */
  readonly online = input<boolean | null | undefined>(undefined);
  readonly known = computed(() => typeof this.online() === 'boolean');
  readonly failed = signal(false);
  readonly initial = computed(() => (this.user().display_name || this.user().username).charAt(0).toUpperCase());
}
