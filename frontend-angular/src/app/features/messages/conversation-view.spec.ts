import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket, fakeJwt, setLocks, tokens } from '../../../testing/helpers';
import { LiveSocket, SOCKET_URL, WEBSOCKET_FACTORY } from '../../core/live-socket';
import { Session } from '../../core/session';
import { MockDb, provideMockData } from '../../data/mock';
import { ConversationView } from './conversation-view';

describe('ConversationView', () => {
  beforeEach(() => {
    localStorage.clear();
    setLocks(undefined);
    FakeSocket.reset();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        ...provideMockData(),
        { provide: WEBSOCKET_FACTORY, useValue: (url: string) => new FakeSocket(url) },
        { provide: SOCKET_URL, useValue: (t: string) => `ws://test/ws?access_token=${t}` },
      ],
    });
    const db = TestBed.inject(MockDb);
    TestBed.inject(Session).start(tokens(fakeJwt('ada'), 'r1', { ...db.user('ada') }));
    TestBed.inject(LiveSocket).start();
    FakeSocket.last().open();
  });

  afterEach(() => TestBed.inject(LiveSocket).stop());

  async function render() {
    const fixture = TestBed.createComponent(ConversationView);
    fixture.componentRef.setInput('conversationId', 1);
    await fixture.whenStable();
    return { fixture, root: fixture.nativeElement as HTMLElement };
  }

  const bodies = (root: HTMLElement) => [...root.querySelectorAll('.bubble-body')].map((b) => b.textContent);

  it('shows messages oldest first, and sends with the Send button without a reload', async () => {
    const { fixture, root } = await render();
    expect(bodies(root)).toEqual(['Did you see the new compiler flags?', 'Yes! The optimizer is much smarter now.', 'Want to review my patch tomorrow?']);
    expect(root.querySelector('.conversation-head')?.textContent).toContain('Grace Hopper');

    const field = root.querySelector<HTMLTextAreaElement>('#message-body')!;
    field.value = 'Sure, after lunch';
    field.dispatchEvent(new Event('input'));
    field.form!.dispatchEvent(new Event('submit', { cancelable: true }));
    await fixture.whenStable();
    expect(bodies(root).at(-1)).toBe('Sure, after lunch');
    expect(field.value).toBe('');
    // Typing was announced to the server once.
    expect(FakeSocket.last().sent).toContainEqual({ type: 'typing', conversation_id: 1 });
  });

  it('adds live messages of this conversation once and shows who is typing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { fixture, root } = await render();
      const socket = FakeSocket.last();
      socket.receive({ id: null, type: 'typing', data: { conversation_id: 1, username: 'grace' } });
      await fixture.whenStable();
      expect(root.querySelector('.typing')?.textContent).toContain('grace is typing');

      const message = { id: 500, conversation_id: 1, sender: { username: 'grace', display_name: 'Grace Hopper', avatar_url: '' }, body: 'Live hello', created_at: new Date().toISOString() };
      socket.receive({ id: '900', type: 'message', data: message });
      socket.receive({ id: '901', type: 'message', data: { ...message, id: 501, conversation_id: 2, body: 'Other conversation' } });
      await fixture.whenStable();
      expect(bodies(root).filter((b) => b === 'Live hello').length).toBe(1);
      expect(bodies(root)).not.toContain('Other conversation');
      expect(root.querySelector('.typing')?.textContent?.trim()).toBe('');
    } finally {
      vi.useRealTimers();
    }
  });

  const seenUnder = (root: HTMLElement) =>
    [...root.querySelectorAll('.bubble')].filter((b) => b.querySelector('.read-mark')).map((b) => b.querySelector('.bubble-body')?.textContent);

  it('shows "Seen" under the last message the partner read, from the conversation’s read marks', async () => {
    const db = TestBed.inject(MockDb);
    const conversation = db.conversations.find((c) => c.id === 1)!;
    const mine = db.addMessage(conversation, 'ada', 'Tomorrow at ten?');
    db.addMessage(conversation, 'ada', 'Or eleven.');
    conversation.lastRead['grace'] = mine.id;
    const { root } = await render();
    expect(seenUnder(root)).toEqual(['Tomorrow at ten?']);
    expect(root.querySelector('.read-mark')?.textContent).toBe('Seen by Grace Hopper');
  });

  it('moves "Seen" with live read frames, and drops it once the partner writes', async () => {
    const { fixture, root } = await render();
    // The seed's last message is Grace's: nothing of Ada's to mark.
    expect(seenUnder(root)).toEqual([]);
    const field = root.querySelector<HTMLTextAreaElement>('#message-body')!;
    field.value = 'Sure, after lunch';
    field.dispatchEvent(new Event('input'));
    field.form!.dispatchEvent(new Event('submit', { cancelable: true }));
    await fixture.whenStable();
    const sent = TestBed.inject(MockDb).messages.at(-1)!;
    expect(seenUnder(root)).toEqual([]);

    const socket = FakeSocket.last();
    socket.receive({ id: null, type: 'read', data: { conversation_id: 2, username: 'linus', last_read_message_id: sent.id } });
    socket.receive({ id: null, type: 'read', data: { conversation_id: 1, username: 'ada', last_read_message_id: sent.id } });
    await fixture.whenStable();
    expect(seenUnder(root)).toEqual([]);
    socket.receive({ id: null, type: 'read', data: { conversation_id: 1, username: 'grace', last_read_message_id: sent.id } });
    await fixture.whenStable();
    expect(seenUnder(root)).toEqual(['Sure, after lunch']);

    const reply = { id: sent.id + 1, conversation_id: 1, sender: { username: 'grace', display_name: 'Grace Hopper', avatar_url: '' }, body: 'Great', created_at: new Date().toISOString() };
    socket.receive({ id: '950', type: 'message', data: reply });
    await fixture.whenStable();
    expect(seenUnder(root)).toEqual([]);
  });
});
