import { afterEach, describe, expect, it } from 'vitest';
import { closeDisclosure, ignoredKey, nextIndex, rovingIndex } from './keyboard';

function key(init: KeyboardEventInit, target: HTMLElement): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init });
  Object.defineProperty(event, 'target', { value: target });
  return event;
}

describe('ignoredKey', () => {
  afterEach(() => document.body.replaceChildren());

  it('leaves keys typed into a field or with a modifier to the browser', () => {
    const div = document.body.appendChild(document.createElement('div'));
    const input = document.body.appendChild(document.createElement('input'));
    const area = document.body.appendChild(document.createElement('textarea'));
    const editable = document.body.appendChild(document.createElement('div'));
    editable.setAttribute('contenteditable', 'true');
    const inside = editable.appendChild(document.createElement('span'));
    expect(ignoredKey(key({ key: 'j' }, div))).toBe(false);
    expect(ignoredKey(key({ key: 'j' }, input))).toBe(true);
    expect(ignoredKey(key({ key: 'j' }, area))).toBe(true);
    expect(ignoredKey(key({ key: 'j' }, inside))).toBe(true);
    expect(ignoredKey(key({ key: 'j', ctrlKey: true }, div))).toBe(true);
    expect(ignoredKey(key({ key: 'j', metaKey: true }, div))).toBe(true);
    expect(ignoredKey(key({ key: 'j', altKey: true }, div))).toBe(true);
  });
});

describe('rovingIndex', () => {
  it('moves with arrows (wrapping), Home and End, and ignores other keys', () => {
    expect(rovingIndex('ArrowRight', 0, 2)).toBe(1);
    expect(rovingIndex('ArrowRight', 1, 2)).toBe(0);
    expect(rovingIndex('ArrowLeft', 0, 2)).toBe(1);
    expect(rovingIndex('ArrowDown', 0, 3)).toBe(1);
    expect(rovingIndex('ArrowUp', 0, 3)).toBe(2);
    expect(rovingIndex('Home', 2, 3)).toBe(0);
    expect(rovingIndex('End', 0, 3)).toBe(2);
    expect(rovingIndex('Enter', 0, 3)).toBeNull();
    expect(rovingIndex('ArrowRight', 0, 0)).toBeNull();
  });
});

describe('nextIndex', () => {
  it('starts at the first (j) or last (k) post and stops at the ends', () => {
    expect(nextIndex(-1, 1, 5)).toBe(0);
    expect(nextIndex(-1, -1, 5)).toBe(4);
    expect(nextIndex(0, 1, 5)).toBe(1);
    expect(nextIndex(4, 1, 5)).toBe(4);
    expect(nextIndex(0, -1, 5)).toBe(0);
    expect(nextIndex(-1, 1, 0)).toBeNull();
  });
});

describe('closeDisclosure', () => {
  afterEach(() => document.body.replaceChildren());

  it('closes the open <details> holding focus and focuses its summary', () => {
    document.body.innerHTML = '<details open><summary>More</summary><button>Mute</button></details>';
    const details = document.querySelector('details')!;
    document.querySelector('button')!.focus();
    const event = new KeyboardEvent('keydown', { key: 'Escape', cancelable: true });
    expect(closeDisclosure(event)).toBe(true);
    expect(details.open).toBe(false);
    expect(document.activeElement).toBe(document.querySelector('summary'));
    expect(event.defaultPrevented).toBe(true);
    expect(closeDisclosure(new KeyboardEvent('keydown', { key: 'Escape' }))).toBe(false);
  });
});
