import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InternalLinks, inAppUrl } from './internal-links';

describe('inAppUrl', () => {
  const base = 'https://devthread.example/app/';

  it('maps the page addresses the SPA has screens for to router addresses', () => {
    expect(inAppUrl('/tags/rust', base)).toBe('/tags/rust');
    expect(inAppUrl('/u/ada', base)).toBe('/u/ada');
    expect(inAppUrl('/u/ada/followers', base)).toBe('/u/ada/followers');
    expect(inAppUrl('/p/12#comment-3', base)).toBe('/p/12#comment-3');
    expect(inAppUrl('/search?q=rust&type=tags', base)).toBe('/search?q=rust&type=tags');
    expect(inAppUrl('https://devthread.example/messages/4', base)).toBe('/messages/4');
    expect(inAppUrl('/app/p/12', base)).toBe('/p/12');
    expect(inAppUrl('/', base)).toBe('/');
  });

  it('leaves other origins and pages without a screen to the browser', () => {
    expect(inAppUrl('https://example.com/tags/rust', base)).toBeNull();
    expect(inAppUrl('/login', base)).toBeNull();
    expect(inAppUrl('/admin/users', base)).toBeNull();
    expect(inAppUrl('/api/v1/posts', base)).toBeNull();
    expect(inAppUrl('/p/not-a-number', base)).toBeNull();
    expect(inAppUrl('mailto:ada@example.com', base)).toBeNull();
  });
});

@Component({
  imports: [InternalLinks],
  template: `<div appInternalLinks [innerHTML]="html"></div>`,
})
class Host {
  html = '<p><a href="/tags/rust" class="hashtag">#rust</a> <a href="https://example.com/">out</a> <a href="/u/ada" target="_blank">new tab</a></p>';
}

describe('InternalLinks', () => {
  let prevented: boolean[];
  const record = (event: Event) => {
    prevented.push(event.defaultPrevented);
    event.preventDefault(); // jsdom cannot navigate
  };

  beforeEach(() => {
    prevented = [];
    TestBed.configureTestingModule({ providers: [provideRouter([])] });
    document.addEventListener('click', record);
  });
  afterEach(() => document.removeEventListener('click', record));

  async function render() {
    const fixture = TestBed.createComponent(Host);
    document.body.appendChild(fixture.nativeElement);
    await fixture.whenStable();
    const navigate = vi.spyOn(TestBed.inject(Router), 'navigateByUrl').mockResolvedValue(true);
    const link = (text: string) => [...(fixture.nativeElement as HTMLElement).querySelectorAll('a')].find((a) => a.textContent === text)!;
    return { navigate, link };
  }

  it('follows a hashtag link inside the app', async () => {
    const { navigate, link } = await render();
    link('#rust').dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, button: 0 }));
    expect(navigate).toHaveBeenCalledWith('/tags/rust');
    expect(prevented).toEqual([true]);
  });

  it('leaves outside links, new-tab links and modified clicks to the browser', async () => {
    const { navigate, link } = await render();
    link('out').dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
    link('new tab').dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
    link('#rust').dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, ctrlKey: true }));
    expect(navigate).not.toHaveBeenCalled();
    expect(prevented).toEqual([false, false, false]);
  });
});
