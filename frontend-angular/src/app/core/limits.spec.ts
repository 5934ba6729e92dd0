import { describe, expect, it } from 'vitest';
import document from '../../../openapi.json';
import { limitsFromDocument, openapiValues } from '../../../scripts/openapi-limits.mjs';
import { LIMITS, TAG_RE, USERNAME_RE, WEBSITE_SCHEME_RE, patternLengths, websiteMax } from './limits';
import { limits, openapi } from './limits.json';
import { REACTION_KINDS } from './models';

// The committed document is the one the app serves (tests/test_openapi.py), so a value the SPA
// reads here is the server's.
describe('LIMITS', () => {
  it('are what the OpenAPI document states at every pointer limits.json lists', () => {
    expect(Object.keys(openapi).sort()).toEqual(Object.keys(limits).sort());
    for (const [name, pointers] of Object.entries(openapi)) {
      for (const pointer of pointers) {
        expect(openapiValues(document, pointer), `${name} at ${pointer}`).toEqual([LIMITS[name as keyof typeof limits]]);
      }
    }
    expect(limitsFromDocument(document, openapi)).toEqual(limits);
  });

  it("take the server's bio: 500 characters, not the 300 the SPA once wrote", () => {
    expect(openapiValues(document, 'PATCH /me bio maxLength')).toEqual([500]);
    expect(LIMITS.bioMax).toBe(500);
  });

  it('read the username and tag lengths from their patterns', () => {
    expect(patternLengths('^[A-Za-z0-9_]{3,30}$')).toEqual({ min: 3, max: 30 });
    expect(() => patternLengths('^[a-z]+$')).toThrow();
    expect([LIMITS.usernameMin, LIMITS.usernameMax]).toEqual([3, 30]);
    expect(USERNAME_RE.test('a'.repeat(LIMITS.usernameMax))).toBe(true);
    expect(USERNAME_RE.test('a'.repeat(LIMITS.usernameMax + 1))).toBe(false);
    expect(USERNAME_RE.test('a'.repeat(LIMITS.usernameMin - 1))).toBe(false);
    expect(TAG_RE.test('a'.repeat(LIMITS.tagMax))).toBe(true);
    expect(TAG_RE.test('a'.repeat(LIMITS.tagMax + 1))).toBe(false);
  });

  it('count a website without a scheme as the server stores it, with https:// in front', () => {
    expect(WEBSITE_SCHEME_RE.test('https://example.com')).toBe(true);
    expect(WEBSITE_SCHEME_RE.test('example.com')).toBe(false);
    expect(WEBSITE_SCHEME_RE.test('localhost:8080/x')).toBe(false);
    expect(websiteMax('https://example.com')).toBe(LIMITS.websiteMax);
    expect(websiteMax('example.com')).toBe(LIMITS.websiteMax - 'https://'.length);
  });

  it('list the reaction kinds in the order of the document', () => {
    expect(REACTION_KINDS).toEqual(openapiValues(document, '#/components/schemas/ReactionState/properties/my_reactions/items/enum')[0]);
  });

  it('name every pointer that finds nothing, or too much', () => {
    expect(() => limitsFromDocument(document, { nothing: ['PATCH /me bio minLength'], two: ['#/openapi', '#/nowhere'] })).toThrow(
      /nothing: 0 values at "PATCH \/me bio minLength"[\s\S]*two: 0 values at "#\/nowhere"/,
    );
  });
});
