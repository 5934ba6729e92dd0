import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeJwt, tokens } from '../../testing/helpers';
import { Post } from '../core/models';
import { Session } from '../core/session';
import { provideMockData } from '../data/mock';
import { Composer, parseTags } from './composer';

describe('Composer', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1'));
  });

  function type(root: HTMLElement, selector: string, value: string): void {
    const el = root.querySelector<HTMLTextAreaElement | HTMLInputElement>(selector)!;
    el.value = value;
    el.dispatchEvent(new Event('input'));
  }

  it('shows the rendered preview from the preview endpoint (escaped by the mock)', async () => {
    const fixture = TestBed.createComponent(Composer);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    type(root, 'textarea', 'Hello <b>world</b>');
    [...root.querySelectorAll<HTMLButtonElement>('[role=tab]')].find((t) => t.textContent?.includes('Preview'))!.click();
    await fixture.whenStable();

    const preview = root.querySelector('.preview')!;
    expect(preview.innerHTML).toContain('<p>Hello &lt;b&gt;world&lt;/b&gt;</p>');
    expect(preview.querySelector('b')).toBeNull();
    const previewTab = [...root.querySelectorAll('[role=tab]')].find((t) => t.textContent?.includes('Preview'))!;
    expect(previewTab.getAttribute('aria-selected')).toBe('true');
  });

  it('publishes a post with its tags and clears itself', async () => {
    const fixture = TestBed.createComponent(Composer);
    const saved: Post[] = [];
    fixture.componentInstance.saved.subscribe((p) => saved.push(p));
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    type(root, 'textarea', 'Signals are great #angular');
    type(root, 'input', '#Frontend, web');
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(saved.length).toBe(1);
    expect(saved[0].tags.sort()).toEqual(['angular', 'frontend', 'web']);
    expect(root.querySelector('textarea')!.value).toBe('');
  });

  it('shows the API field error next to the tags', async () => {
    const fixture = TestBed.createComponent(Composer);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    type(root, 'textarea', 'Too many tags');
    type(root, 'input', 'a b c d e f');
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(root.querySelector('[id$=-tags-error]')?.textContent).toContain('Up to 5 tags');
  });

  it('parses tags from free text', () => {
    expect(parseTags('#Angular, rxjs  angular')).toEqual(['angular', 'rxjs']);
  });
});

describe('Composer tabs (keyboard)', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1'));
  });

  it('follows the ARIA tabs pattern: one tab stop, arrows, Home and End', async () => {
    const fixture = TestBed.createComponent(Composer);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const [write, preview] = [...root.querySelectorAll<HTMLButtonElement>('[role=tab]')];
    expect(write.getAttribute('tabindex')).toBe('0');
    expect(preview.getAttribute('tabindex')).toBe('-1');

    write.focus();
    write.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true, cancelable: true }));
    await fixture.whenStable();
    expect(document.activeElement).toBe(preview);
    expect(preview.getAttribute('aria-selected')).toBe('true');
    expect(preview.getAttribute('tabindex')).toBe('0');
    expect(write.getAttribute('tabindex')).toBe('-1');

    preview.dispatchEvent(new KeyboardEvent('keydown', { key: 'Home', bubbles: true, cancelable: true }));
    await fixture.whenStable();
    expect(document.activeElement).toBe(write);
    expect(write.getAttribute('aria-selected')).toBe('true');
    write.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true, cancelable: true }));
    await fixture.whenStable();
    expect(document.activeElement).toBe(preview);
  });
});
