import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import { Post } from '../core/models';
import { Avatar } from './avatar';
import { BookmarkButton } from './bookmark-button';
import { InternalLinks } from './internal-links';
import { ReactionBar } from './reaction-bar';
import { TimeAgo } from './time';

/** A post in a list (or, with `detail`, on its own page). `body_html` is sanitized by the server. */
@Component({
  selector: 'app-post-card',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, Avatar, TimeAgo, ReactionBar, BookmarkButton, InternalLinks],
  template: `
    <article class="card post" [attr.aria-labelledby]="'post-' + post().id + '-by'">
      <header class="post-head">
        <a [routerLink]="['/u', post().author.username]" class="author" [id]="'post-' + post().id + '-by'">
          <app-avatar [user]="post().author" [size]="40" />
          <span class="author-names">
            <span class="display-name">{{ post().author.display_name }}</span>
            <span class="username">&#64;{{ post().author.username }}</span>
          </span>
        </a>
        <a [routerLink]="['/p', post().id]" class="post-time">
          <app-time [iso]="post().created_at" />
        </a>
        @if (post().edited_at) {
          <span class="muted small">(edited)</span>
        }
      </header>
      <div class="prose" appInternalLinks [innerHTML]="post().body_html"></div>
      @if (post().tags.length) {
        <ul class="tags" aria-label="Tags">
          @for (tag of post().tags; track tag) {
            <li><a [routerLink]="['/tags', tag]" class="tag">#{{ tag }}</a></li>
          }
        </ul>
      }
      <footer class="post-foot">
        <app-reaction-bar [post]="post()" />
        <div class="post-actions">
          @if (!detail()) {
            <a [routerLink]="['/p', post().id]" class="btn btn-ghost">
              <span aria-hidden="true">💬</span> {{ post().comments_count }}
              <span class="visually-hidden">comments</span>
            </a>
          }
          <app-bookmark-button [post]="post()" />
        </div>
      </footer>
    </article>
  `,
})
export class PostCard {
  readonly post = input.required<Post>();
  readonly detail = input(false);
}
