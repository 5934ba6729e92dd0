"""Follow and unfollow tags."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from app.cache import home_namespace, touch
from app.extensions import db
from app.posts.models import Tag
from app.tags.models import TagFollow
from app.tags.queries import existing_tag


def follow_tag(*, user_id: int, name: str) -> Tag:
    """Follow a tag that posts carry (idempotent); NotFound for a tag nobody used."""
    tag = existing_tag(name)
    if db.session.get(TagFollow, (user_id, tag.id)) is None:
        try:
            with db.session.begin_nested():
                db.session.add(TagFollow(user_id=user_id, tag_id=tag.id))
        except IntegrityError:
            # The same follow from another request at once: it is there, as asked.
            db.session.commit()
            return tag
        # The cached first page of their home feed misses the tag's posts.
        touch(db.session, home_namespace(user_id))
    db.session.commit()
    return tag


def unfollow_tag(*, user_id: int, name: str) -> Tag:
    """Stop following a tag (idempotent); NotFound for a tag nobody used."""
    tag = existing_tag(name)
    removed = db.session.execute(
        delete(TagFollow).where(TagFollow.user_id == user_id, TagFollow.tag_id == tag.id)
    )
    if removed.rowcount:
        touch(db.session, home_namespace(user_id))
    db.session.commit()
    return tag
