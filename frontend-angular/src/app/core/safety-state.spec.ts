import { TestBed } from '@angular/core/testing';
import { firstValueFrom, forkJoin } from 'rxjs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeJwt, tokens } from '../../testing/helpers';
import { MockDb, provideMockData } from '../data/mock';
import { SafetyService } from '../data/services';
import { SafetyState } from './safety-state';
import { Session } from './session';

describe('SafetyState', () => {
  let db: MockDb;
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [...provideMockData()] });
    db = TestBed.inject(MockDb);
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1', { ...db.user('ada') }));
  });

  it('reads every page of /me/blocks and /me/mutes once, however many screens ask at once', async () => {
    // 150 blocked people: two pages of 100.
    for (let i = 0; i < 150; i++) {
      const name = `spammer${i}`;
      db.users.set(name, { ...db.user('ken'), username: name, display_name: name, email: `${name}@x.example` });
      db.blocks.add(`ada>${name}`);
    }
    db.mutes.add('ada>linus');
    const api = TestBed.inject(SafetyService);
    const blocked = vi.spyOn(api, 'blocked');
    const muted = vi.spyOn(api, 'muted');
    const state = TestBed.inject(SafetyState);
    expect(state.loaded()).toBe(false);

    await firstValueFrom(forkJoin([state.load(), state.load()]));
    expect(blocked).toHaveBeenCalledTimes(2);
    expect(muted).toHaveBeenCalledTimes(1);
    expect(state.loaded()).toBe(true);
    expect(state.blocking('spammer0')).toBe(true);
    expect(state.blocking('SPAMMER149')).toBe(true);
    expect(state.blocking('linus')).toBe(false);
    expect(state.muting('linus')).toBe(true);

    await firstValueFrom(state.load());
    expect(blocked).toHaveBeenCalledTimes(2);
  });

  it('keeps the lists and the folded posts in step with its toggles, and forgets them at sign-out', async () => {
    const state = TestBed.inject(SafetyState);
    await firstValueFrom(state.load());
    await firstValueFrom(state.mute('linus'));
    expect(state.muting('linus')).toBe(true);
    expect(state.folded('linus')).toBe('muted');
    expect(db.mutes.has('ada>linus')).toBe(true);

    await firstValueFrom(state.block('linus'));
    expect(state.folded('linus')).toBe('blocked');
    await firstValueFrom(state.unblock('linus'));
    // Still muted: their posts stay folded, as muted.
    expect(state.blocking('linus')).toBe(false);
    expect(state.folded('linus')).toBe('muted');
    await firstValueFrom(state.unmute('linus'));
    expect(state.folded('linus')).toBeNull();

    await firstValueFrom(state.block('ken'));
    TestBed.inject(Session).clear();
    TestBed.tick();
    expect(state.loaded()).toBe(false);
    expect(state.folded('ken')).toBeNull();
  });
});
