"""Follow and unfollow."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.cache import home_namespace, touch
from app.errors import ValidationError
from app.extensions import db
from app.notifications.services import notify
from app.safety.rules import refuse_if_blocked
from app.social.models import Follow
from app.social.queries import user_or_404


def follow(*, follower: User, username: str) -> User:
    """Follow someone (idempotent); they are told once per new follow."""
    target = user_or_404(username)
    if target.id == follower.id:
        raise ValidationError(
            _("You cannot follow yourself."), {"username": [_("You cannot follow yourself.")]}
        )
    refuse_if_blocked(follower.id, target.id, _("You cannot follow this person."))
    if db.session.get(Follow, (follower.id, target.id)) is None:
        try:
            with db.session.begin_nested():
                db.session.add(Follow(follower_id=follower.id, followee_id=target.id))
        except IntegrityError:
            db.session.commit()
            return target
        _count(follower.id, target.id, +1)
        notify(user_id=target.id, type="follow", actor_id=follower.id)
        # The follower's cached first page of home misses the new person's posts.
        touch(db.session, home_namespace(follower.id))
    db.session.commit()
    return target


def unfollow(*, follower: User, username: str) -> User:
    """Stop following someone (idempotent)."""
    target = user_or_404(username)
    removed = db.session.execute(
        delete(Follow).where(Follow.follower_id == follower.id, Follow.followee_id == target.id)
    )
    if removed.rowcount:
        _count(follower.id, target.id, -1)
        touch(db.session, home_namespace(follower.id))
    db.session.commit()
    return target


def remove_follows_between(user_id: int, other_id: int) -> None:
    """Drop any follow between two people, both ways, keeping the counters; the caller commits."""
    for follower_id, followee_id in ((user_id, other_id), (other_id, user_id)):
        removed = db.session.execute(
            delete(Follow).where(
                Follow.follower_id == follower_id, Follow.followee_id == followee_id
            )
        )
        if removed.rowcount:
            _count(follower_id, followee_id, -1)
            touch(db.session, home_namespace(follower_id))


def _count(follower_id: int, followee_id: int, step: int) -> None:
    db.session.execute(
        update(User)
        .where(User.id == follower_id)
        .values(following_count=User.following_count + step)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(User)
        .where(User.id == followee_id)
        .values(followers_count=User.followers_count + step)
        .execution_options(synchronize_session=False)
    )
