import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeJwt, tokens } from '../../../testing/helpers';
import { Session } from '../../core/session';
import { MockDb, provideMockData } from '../../data/mock';
import { PostService } from '../../data/services';
import { RevisionsPage } from './revisions-page';

describe('RevisionsPage', () => {
  let db: MockDb;
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    db = TestBed.inject(MockDb);
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1'));
  });

  it('shows each earlier version with its changes as <del>/<ins> words', async () => {
    const post = db.addPost('ada', 'Hello old world');
    const posts = TestBed.inject(PostService);
    await firstValueFrom(posts.update(post.id, { body: 'Hello new world' }));
    await firstValueFrom(posts.update(post.id, { body: 'Hello new world!' }));
    const fixture = TestBed.createComponent(RevisionsPage);
    fixture.componentRef.setInput('id', String(post.id));
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    expect(root.querySelectorAll('.revision').length).toBe(2);
    const [newer, older] = [...root.querySelectorAll('.revision-diff')];
    expect(newer.querySelector('ins')?.textContent).toContain('added:');
    expect(older.querySelector('del')?.textContent).toBe('removed: old');
    expect(older.querySelector('ins')?.textContent).toBe('added: new');
  });
});
