import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'app-not-found',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `
    <section class="page narrow">
      <h1>Page not found</h1>
      <p>That page does not exist, or it is not yours to see.</p>
      <p><a routerLink="/">Back to the feed</a></p>
    </section>
  `,
})
export class NotFoundPage {}
