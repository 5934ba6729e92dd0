"""Import every model so the metadata (migrations, tests) sees all tables."""

from app.accounts.models import OAuthIdentity, RefreshToken, User
from app.admin.models import AuditEntry
from app.media.models import Media, PostMedia
from app.messaging.models import Conversation, ConversationMember, Message
from app.notifications.models import DigestSetting, Notification, NotificationSetting
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
from app.realtime.models import StoredEvent
from app.safety.models import Block, Mute, Report
from app.social.models import Follow
from app.tags.models import TagFollow
from app.yourdata.models import DataExport

__all__ = [
    "AuditEntry",
    "Block",
    "Bookmark",
    "Comment",
    "Conversation",
    "ConversationMember",
    "DataExport",
    "DigestSetting",
    "Follow",
    "Media",
    "Mention",
    "Message",
    "Mute",
    "Notification",
    "NotificationSetting",
    "OAuthIdentity",
    "Post",
    "PostMedia",
    "PostTag",
    "Reaction",
    "RefreshToken",
    "Report",
    "StoredEvent",
    "Tag",
    "TagFollow",
    "TrendingEntry",
    "TrendingSnapshot",
    "User",
]
