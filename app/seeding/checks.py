"""Consistency checks: every stored counter equals a count of the rows it summarizes."""

from __future__ import annotations

from sqlalchemy import text

from app.extensions import db

# Each query returns the rows whose counter differs from the count (at most a few of them).
CHECKS = {
    "users.posts_count": (
        "SELECT u.id, u.posts_count, count(p.id) FROM users u"
        " LEFT JOIN posts p ON p.author_id = u.id GROUP BY u.id, u.posts_count"
        " HAVING u.posts_count <> count(p.id)"
    ),
    "users.followers_count": (
        "SELECT u.id, u.followers_count, count(f.follower_id) FROM users u"
        " LEFT JOIN follows f ON f.followee_id = u.id GROUP BY u.id, u.followers_count"
        " HAVING u.followers_count <> count(f.follower_id)"
    ),
    "users.following_count": (
        "SELECT u.id, u.following_count, count(f.followee_id) FROM users u"
        " LEFT JOIN follows f ON f.follower_id = u.id GROUP BY u.id, u.following_count"
        " HAVING u.following_count <> count(f.followee_id)"
    ),
    "tags.posts_count": (
        "SELECT t.id, t.posts_count, count(pt.post_id) FROM tags t"
        " LEFT JOIN post_tags pt ON pt.tag_id = t.id GROUP BY t.id, t.posts_count"
        " HAVING t.posts_count <> count(pt.post_id)"
    ),
    "posts.comments_count": (
        "SELECT p.id, p.comments_count, count(c.id) FROM posts p"
        " LEFT JOIN comments c ON c.post_id = p.id AND c.deleted_at IS NULL"
        " GROUP BY p.id, p.comments_count HAVING p.comments_count <> count(c.id)"
    ),
    "posts.reactions": (
        "SELECT p.id, p.reactions_count, count(r.kind) FROM posts p"
        " LEFT JOIN reactions r ON r.post_id = p.id"
        " GROUP BY p.id, p.reactions_count, p.like_count, p.love_count, p.laugh_count,"
        " p.insightful_count, p.celebrate_count"
        " HAVING p.reactions_count <> count(r.kind)"
        " OR p.like_count <> sum(CASE WHEN r.kind = 'like' THEN 1 ELSE 0 END)"
        " OR p.love_count <> sum(CASE WHEN r.kind = 'love' THEN 1 ELSE 0 END)"
        " OR p.laugh_count <> sum(CASE WHEN r.kind = 'laugh' THEN 1 ELSE 0 END)"
        " OR p.insightful_count <> sum(CASE WHEN r.kind = 'insightful' THEN 1 ELSE 0 END)"
        " OR p.celebrate_count <> sum(CASE WHEN r.kind = 'celebrate' THEN 1 ELSE 0 END)"
    ),
    "post_tags.post_created_at": (
        "SELECT pt.post_id, pt.tag_id, 0 FROM post_tags pt JOIN posts p ON p.id = pt.post_id"
        " WHERE pt.post_created_at <> p.created_at"
    ),
}


def counter_mismatches(limit: int = 5) -> dict[str, list[tuple[int, ...]]]:
    """Return, per counter, a few rows whose stored value differs from the rows counted."""
    found: dict[str, list[tuple[int, ...]]] = {}
    for name, sql in CHECKS.items():
        rows = db.session.execute(text(f"{sql} LIMIT {int(limit)}")).all()
        if rows:
            found[name] = [tuple(row) for row in rows]
    return found
