import { Injectable, signal } from '@angular/core';
import { formatDate, t } from '../i18n';

/** A shared "now" that ticks every 30 s, so relative times stay fresh without per-item timers. */
@Injectable({ providedIn: 'root' })
export class Clock {
  readonly now = signal(Date.now());
  constructor() {
    if (typeof setInterval !== 'undefined') setInterval(() => this.now.set(Date.now()), 30_000);
  }
}

/** "5 min ago", then a date, in the shown language (and, for dates, the account's time zone). */
export function relativeTime(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const s = Math.round((now - then) / 1000);
  if (s < 45) return t('time.justNow');
  const m = Math.round(s / 60);
  if (m < 60) return t('time.minutesAgo', { count: m });
  const h = Math.round(m / 60);
  if (h < 24) return t('time.hoursAgo', { count: h });
  const d = Math.round(h / 24);
  if (d < 7) return d === 1 ? t('time.yesterday') : t('time.daysAgo', { count: d });
  const year = (ms: number) => formatDate(ms, { year: 'numeric' });
  const sameYear = year(then) === year(now);
  return formatDate(then, { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) });
}
