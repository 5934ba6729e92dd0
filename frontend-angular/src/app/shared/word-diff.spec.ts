import { describe, expect, it } from 'vitest';
import { wordDiff } from './word-diff';

describe('wordDiff', () => {
  it('marks the removed and the added words, keeping the rest', () => {
    expect(wordDiff('Hello old world', 'Hello new world')).toEqual([
      { kind: 'same', text: 'Hello ' },
      { kind: 'removed', text: 'old' },
      { kind: 'added', text: 'new' },
      { kind: 'same', text: ' world' },
    ]);
  });

  it('handles empty texts and keeps line breaks', () => {
    expect(wordDiff('', 'a\nb')).toEqual([{ kind: 'added', text: 'a\nb' }]);
    expect(wordDiff('a\nb', 'a\nb')).toEqual([{ kind: 'same', text: 'a\nb' }]);
  });
});
