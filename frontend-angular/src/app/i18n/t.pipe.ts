import { Pipe, PipeTransform } from '@angular/core';
import { Params, TKey, t } from './i18n';

/**
 * `{{ 'nav.bookmarks' | t }}`, `{{ 'feed.showNew' | t: { count: n } }}`. Impure on purpose: it
 * reads the language signal each time, so the view follows a change of language.
 */
@Pipe({ name: 't', pure: false })
export class TPipe implements PipeTransform {
  transform(key: TKey, params?: Params): string {
    return t(key, params);
  }
}
