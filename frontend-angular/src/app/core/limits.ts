/**
 * The server's limits (lengths, counts, patterns, report reasons), read from ONE place:
 * limits.json beside this file, which scripts/api-types.mjs writes from the API's OpenAPI document
 * (`make spa-types`) at the pointers it lists. Every form and the mock services take their limits
 * from here; nothing else in the SPA writes a limit.
 *
 * limits.spec.ts compares each value with the committed document, tests/test_spa_e2e.py with the
 * served one.
 */
import { limits } from './limits.json';

/** The lengths a pattern such as `^[A-Za-z0-9_]{3,30}$` allows: its last `{m,n}` quantifier. */
export function patternLengths(pattern: string): { min: number; max: number } {
  const bounds = [...pattern.matchAll(/\{(\d+),(\d+)\}/g)].at(-1);
  if (!bounds) throw new Error(`${pattern} states no lengths`);
  return { min: Number(bounds[1]), max: Number(bounds[2]) };
}

// The document states a username's and a tag's lengths only inside their patterns.
const username = patternLengths(limits.usernamePattern);
const tag = patternLengths(limits.tagPattern);

export const LIMITS = {
  ...limits,
  usernameMin: username.min,
  usernameMax: username.max,
  tagMax: tag.max,
} as const;

export type Limits = typeof LIMITS;

/** The same pattern as a RegExp, for Validators.pattern. */
export const USERNAME_RE = new RegExp(LIMITS.usernamePattern);
export const TAG_RE = new RegExp(LIMITS.tagPattern);
/** A website that names its scheme (`https:`, `mailto:`), not a host and port. */
export const WEBSITE_SCHEME_RE = new RegExp(LIMITS.websiteSchemePattern);

/**
 * The longest a website may be as written: the server adds `https://` in front of one without a
 * scheme, and the whole must fit in `websiteMax`.
 */
export function websiteMax(website: string): number {
  return WEBSITE_SCHEME_RE.test(website) ? LIMITS.websiteMax : LIMITS.websiteWithoutSchemeMax;
}

/** "10,000": a limit as people read it. */
export function formatLimit(n: number): string {
  return n.toLocaleString('en-US');
}
