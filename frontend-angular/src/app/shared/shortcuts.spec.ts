import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AXE_TIMEOUT_MS, axeViolations, danglingIdRefs } from '../../testing/a11y';
import { fakeJwt, tokens } from '../../testing/helpers';
import { Session } from '../core/session';
import { provideMockData } from '../data/mock';
import { Shortcuts } from './shortcuts';

function press(key: string, target: EventTarget = document.activeElement ?? document.body, init: KeyboardEventInit = {}): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
}

describe('Shortcuts', () => {
  let main: HTMLElement;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1'));
    main = document.body.appendChild(document.createElement('main'));
    main.innerHTML = `
      <input id="nav-q" type="search">
      <form class="composer"><textarea></textarea></form>
      ${[1, 2, 3, 4, 5, 6, 7]
        .map((id) => `<article class="card post" data-post-id="${id}"><div class="reactions"><button type="button">Like</button></div></article>`)
        .join('')}`;
    const fixture = TestBed.createComponent(Shortcuts);
    await fixture.whenStable();
  });

  afterEach(() => main.remove());

  const posts = () => [...main.querySelectorAll<HTMLElement>('article.post')];

  it('j and k move focus from post to post', () => {
    for (let i = 0; i < 6; i++) press('j');
    expect(document.activeElement).toBe(posts()[5]);
    press('k');
    expect(document.activeElement).toBe(posts()[4]);
  });

  it('r reacts to the focused post and focus stays on it', () => {
    let clicked = 0;
    posts()[1].querySelector('button')!.addEventListener('click', () => clicked++);
    press('j');
    press('j');
    press('r');
    expect(clicked).toBe(1);
    expect(document.activeElement).toBe(posts()[1]);
  });

  it('n focuses the composer, / the search field; typing there is not a shortcut', () => {
    press('n');
    const box = main.querySelector('textarea')!;
    expect(document.activeElement).toBe(box);
    const typed = press('j', box);
    expect(typed.defaultPrevented).toBe(false);
    expect(document.activeElement).toBe(box);
    box.blur();
    press('/');
    expect(document.activeElement).toBe(main.querySelector('#nav-q'));
  });

  it('keys with a modifier are the browser’s', () => {
    const event = press('j', document.body, { ctrlKey: true });
    expect(event.defaultPrevented).toBe(false);
    expect(document.activeElement).not.toBe(posts()[0]);
  });

  it('the open help passes axe and names only ids that exist', async () => {
    press('?');
    const dialog = document.querySelector<HTMLDialogElement>('dialog.shortcuts-dialog')!;
    expect(dialog.open).toBe(true);
    expect(danglingIdRefs(dialog)).toEqual([]);
    expect(await axeViolations(dialog)).toEqual([]);
  }, AXE_TIMEOUT_MS);

  it('? opens the labelled help dialog; closing it returns focus', () => {
    press('j');
    press('?');
    const dialog = document.querySelector<HTMLDialogElement>('dialog.shortcuts-dialog')!;
    expect(dialog.open).toBe(true);
    expect(document.getElementById(dialog.getAttribute('aria-labelledby')!)?.textContent).toBe('Keyboard shortcuts');
    expect(dialog.textContent).toContain('Next post / previous post');
    // No shortcut works behind the open dialog.
    press('j');
    expect(document.activeElement).toBe(posts()[0]);
    // jsdom has no dialog methods: close it as Escape would in a browser.
    dialog.removeAttribute('open');
    dialog.dispatchEvent(new Event('close'));
    expect(document.activeElement).toBe(posts()[0]);
  });
});
