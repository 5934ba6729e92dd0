import { TestBed } from '@angular/core/testing';
import { describe, expect, it } from 'vitest';
import { Avatar } from './avatar';

describe('Avatar', () => {
  async function render(online: boolean | null | undefined) {
    const fixture = TestBed.createComponent(Avatar);
    fixture.componentRef.setInput('user', { username: 'ada', display_name: 'Ada', avatar_url: '' });
    fixture.componentRef.setInput('online', online);
    await fixture.whenStable();
    return fixture.nativeElement as HTMLElement;
  }

  it('shows an online dot and says so to screen readers', async () => {
    const root = await render(true);
    expect(root.querySelector('.dot.on')).not.toBeNull();
    expect(root.textContent).toContain('(online)');
  });

  it('shows an offline dot', async () => {
    const root = await render(false);
    expect(root.querySelector('.dot')).not.toBeNull();
    expect(root.querySelector('.dot.on')).toBeNull();
    expect(root.textContent).toContain('(offline)');
  });

  it('shows nothing about presence when the server cannot tell (null) or was not asked', async () => {
    for (const online of [null, undefined]) {
      const root = await render(online);
      expect(root.querySelector('.dot')).toBeNull();
      expect(root.textContent).not.toContain('offline');
      expect(root.textContent).not.toContain('online');
    }
  });
});
