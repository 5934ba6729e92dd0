import { describe, expect, it } from 'vitest';
import { describeNotification } from '../../core/live-state';
import { AppNotification } from '../../core/models';
import { notificationLink } from './notifications-page';

const base: AppNotification = {
  id: 1,
  type: 'follow',
  actor: { username: 'grace', display_name: 'Grace Hopper', avatar_url: '' },
  post_id: null,
  comment_id: null,
  conversation_id: null,
  created_at: '2026-01-01T00:00:00Z',
  read: false,
};

describe('notifications', () => {
  it('describe and link each type', () => {
    expect(describeNotification(base)).toBe('Grace Hopper followed you');
    expect(notificationLink(base)).toEqual({ path: ['/u', 'grace'] });
    const reply = { ...base, type: 'reply' as const, post_id: 7, comment_id: 9 };
    expect(notificationLink(reply)).toEqual({ path: ['/p', 7], fragment: 'comment-9' });
  });

  it('tell an author what the moderators removed and why, without a link to what is gone', () => {
    const removed = { ...base, type: 'removed' as const, target_type: 'post' as const, reason: 'Spam.' };
    expect(describeNotification(removed)).toBe('The moderators removed your post (reason: Spam)');
    expect(describeNotification({ ...removed, target_type: 'content', reason: null })).toBe(
      'The moderators removed your posts and comments',
    );
    expect(notificationLink(removed)).toBeNull();
  });
});
