import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeJwt, tokens } from '../../../testing/helpers';
import { Comment } from '../../core/models';
import { Session } from '../../core/session';
import { MockDb, provideMockData } from '../../data/mock';
import { CommentThread, buildTree } from './comment-thread';

const c = (id: number, parent_id: number | null): Comment => ({
  id,
  post_id: 1,
  parent_id,
  author: { username: 'ada', display_name: 'Ada', avatar_url: '' },
  body: `c${id}`,
  body_html: `<p>c${id}</p>`,
  created_at: '2026-01-01T00:00:00Z',
  edited_at: null,
  deleted: false,
});

describe('buildTree', () => {
  it('nests replies under their parents and keeps the order', () => {
    const tree = buildTree([c(1, null), c(2, 1), c(3, null), c(4, 2), c(5, 1)]);
    expect(tree.map((n) => n.comment.id)).toEqual([1, 3]);
    expect(tree[0].children.map((n) => n.comment.id)).toEqual([2, 5]);
    expect(tree[0].children[0].children.map((n) => n.comment.id)).toEqual([4]);
  });

  it('shows a reply whose parent is not loaded at the top level', () => {
    expect(buildTree([c(7, 99)]).map((n) => n.comment.id)).toEqual([7]);
  });
});

describe('CommentThread', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1', { ...TestBed.inject(MockDb).user('barbara') }));
  });

  it('posts a comment and a threaded reply from the forms', async () => {
    const db = TestBed.inject(MockDb);
    const post = db.postObject(db.addPost('grace', 'Discuss'), 'barbara');
    const fixture = TestBed.createComponent(CommentThread);
    fixture.componentRef.setInput('post', post);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    expect(root.textContent).toContain('No comments yet.');

    const field = root.querySelector<HTMLTextAreaElement>('#new-comment')!;
    field.value = 'Top-level thought';
    field.dispatchEvent(new Event('input'));
    field.form!.dispatchEvent(new Event('submit', { cancelable: true }));
    await fixture.whenStable();
    expect(root.querySelectorAll('app-comment-node').length).toBe(1);
    expect(field.value).toBe('');

    root.querySelector<HTMLButtonElement>('.comment-actions button')!.click(); // Reply
    await fixture.whenStable();
    const reply = root.querySelector<HTMLTextAreaElement>('[id^=reply-]')!;
    reply.value = 'A reply';
    reply.dispatchEvent(new Event('input'));
    reply.form!.dispatchEvent(new Event('submit', { cancelable: true }));
    await fixture.whenStable();
    expect(root.querySelector('.replies .comment .prose')?.textContent).toContain('A reply');
    expect(db.comments.filter((x) => x.post_id === post.id).map((x) => x.parent_id !== null)).toEqual([false, true]);
  });

  it('keeps a deleted comment with replies in its place, without words or actions', async () => {
    const db = TestBed.inject(MockDb);
    const post = db.postObject(db.addPost('grace', 'Discuss'), 'barbara');
    const parent = db.addComment(post.id, 'barbara', 'Soon to go', null);
    db.addComment(post.id, 'grace', 'An answer', parent.id);
    const lonely = db.addComment(post.id, 'barbara', 'Alone', null);
    const confirm = vi.spyOn(globalThis, 'confirm').mockReturnValue(true);
    const fixture = TestBed.createComponent(CommentThread);
    fixture.componentRef.setInput('post', post);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const comment = (id: number) => root.querySelector(`#comment-${id}`)!;
    const deleteButton = (id: number) => [...comment(id).querySelectorAll(':scope > .comment-actions button')].find((b) => b.textContent?.includes('Delete')) as HTMLButtonElement;

    deleteButton(parent.id).click();
    deleteButton(lonely.id).click();
    await fixture.whenStable();
    confirm.mockRestore();
    expect(root.querySelector(`#comment-${lonely.id}`)).toBeNull();
    expect(comment(parent.id).textContent).toContain('This comment was deleted.');
    expect(comment(parent.id).textContent).not.toContain('Soon to go');
    expect(comment(parent.id).querySelector(':scope > .comment-actions')).toBeNull();
    expect(comment(parent.id).querySelector('.replies')?.textContent).toContain('An answer');

    // The API's list says the same after a reload.
    fixture.componentInstance.pager.reset();
    await fixture.whenStable();
    expect(comment(parent.id).textContent).toContain('Deleted comment');
    expect(comment(parent.id).querySelector('.replies')?.textContent).toContain('An answer');
  });
});

describe('CommentThread keyboard', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideRouter([]), ...provideMockData()] });
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1', { ...TestBed.inject(MockDb).user('barbara') }));
  });

  it('opens Reply on its field; Escape and Cancel close it and focus goes back to Reply', async () => {
    const db = TestBed.inject(MockDb);
    const post = db.postObject(db.addPost('grace', 'Discuss'), 'barbara');
    const first = db.addComment(post.id, 'grace', 'First', null);
    const fixture = TestBed.createComponent(CommentThread);
    fixture.componentRef.setInput('post', post);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const replyButton = () => root.querySelector<HTMLButtonElement>(`#btn-reply-${first.id}`)!;

    replyButton().click();
    await fixture.whenStable();
    const field = root.querySelector<HTMLTextAreaElement>(`#reply-${first.id}`)!;
    expect(document.activeElement).toBe(field);
    field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }));
    await fixture.whenStable();
    expect(root.querySelector(`#reply-${first.id}`)).toBeNull();
    expect(document.activeElement).toBe(replyButton());
    expect(replyButton().getAttribute('aria-expanded')).toBe('false');

    replyButton().click();
    await fixture.whenStable();
    [...root.querySelectorAll<HTMLButtonElement>('.comment-form button')].find((b) => b.textContent?.includes('Cancel'))!.click();
    await fixture.whenStable();
    expect(root.querySelector(`#reply-${first.id}`)).toBeNull();
    expect(document.activeElement).toBe(replyButton());
  });

  it('keeps focus on Comment while sending (busy, not disabled)', async () => {
    const db = TestBed.inject(MockDb);
    const post = db.postObject(db.addPost('grace', 'Discuss'), 'barbara');
    const fixture = TestBed.createComponent(CommentThread);
    fixture.componentRef.setInput('post', post);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    fixture.componentInstance.busy.set(true);
    await fixture.whenStable();
    const send = [...root.querySelectorAll<HTMLButtonElement>('.comment-form button')].find((b) => b.type === 'submit')!;
    expect(send.disabled).toBe(false);
    expect(send.getAttribute('aria-disabled')).toBe('true');
  });
});
