/**
 * The server's limits (lengths, counts, patterns, report reasons), read from ONE place:
 * limits.json beside this file. Every form and the mock services take their limits from here;
 * nothing else in the SPA writes a limit.
 *
 * tests/test_spa_e2e.py compares each value with the served OpenAPI document at the pointers
 * listed in limits.json and fails when they differ. When the SPA's types are generated from that
 * document, limits.json can be generated from it too (same pointers); this module stays as it is.
 */
import { limits } from './limits.json';

export type Limits = typeof limits;

export const LIMITS: Readonly<Limits> = limits;

/** The same pattern as a RegExp, for Validators.pattern. */
export const USERNAME_RE = new RegExp(LIMITS.usernamePattern);
export const TAG_RE = new RegExp(LIMITS.tagPattern);

/** "10,000": a limit as people read it. */
export function formatLimit(n: number): string {
  return n.toLocaleString('en-US');
}
