"""Import every model so the metadata (migrations, tests) sees all tables."""

from app.accounts.models import RefreshToken, User
from app.notifications.models import Notification
from app.posts.models import (
    Bookmark,
    Comment,
    Mention,
    Post,
    PostTag,
    Reaction,
    Tag,
    TrendingEntry,
    TrendingSnapshot,
)
from app.social.models import Follow

__all__ = [
    "Bookmark",
    "Comment",
    "Follow",
    "Mention",
    "Notification",
    "Post",
    "PostTag",
    "Reaction",
    "RefreshToken",
    "Tag",
    "TrendingEntry",
    "TrendingSnapshot",
    "User",
]
