import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import { UserSummary } from '../core/models';
import { Avatar } from './avatar';

@Component({
  selector: 'app-user-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, Avatar],
  template: `
    <ul class="user-list">
      @for (u of users(); track u.username) {
        <li>
          <a [routerLink]="['/u', u.username]" class="user-row">
            <app-avatar [user]="u" [size]="40" />
            <span class="author-names">
              <span class="display-name">{{ u.display_name }}</span>
              <span class="username">&#64;{{ u.username }}</span>
            </span>
          </a>
        </li>
      }
    </ul>
  `,
})
export class UserList {
  readonly users = input.required<UserSummary[]>();
}
