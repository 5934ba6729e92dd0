"""Accounts as payloads: who someone is beside content, your own account, tokens, sign-ins."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from app.accounts import rules
from app.accounts.models import ROLES, User, UserSession
from app.payloads import NO_NUL, Id, ItemsPage, Patch, Payload, Request, Time, choice, text
from app.timeutil import isoformat

Username = text(
    pattern=rules.USERNAME_RE.pattern,
    hint=_l("Use 3 to 30 letters, digits or underscores."),
)


def _fits_with_scheme(value: str) -> str:
    """Refuse a website whose stored form (scheme added) would pass the limit."""
    if len(rules.with_scheme(value)) > rules.WEBSITE_MAX:
        raise PydanticCustomError(
            "string_too_long",
            "String should have at most {max_length} characters",
            {"max_length": rules.WEBSITE_MAX - len(rules.WEBSITE_SCHEME)},
        )
    return value


Website = Annotated[
    str,
    Field(
        max_length=rules.WEBSITE_MAX,
        pattern=NO_NUL,
        description=f"An http(s) address; without a scheme, `{rules.WEBSITE_SCHEME}` is added "
        f"and the whole must fit in {rules.WEBSITE_MAX} characters.",
        json_schema_extra={
            "anyOf": [
                {"pattern": rules.HAS_SCHEME_PATTERN},
                {"maxLength": rules.WEBSITE_MAX - len(rules.WEBSITE_SCHEME)},
            ]
        },
    ),
    AfterValidator(_fits_with_scheme),
]
ProfileText = rules.PROFILE_TEXT_PATTERN
PROFILE_HINT = _l("Remove the control characters and those that change the text's direction.")


class UserSummary(Payload):
    """Who wrote something: enough to show a name and a picture."""

    username: str
    display_name: str
    avatar_url: str


class PrivateUser(UserSummary):
    """Everything you may see of your own account."""

    email: Annotated[str, Field(json_schema_extra={"format": "email"})]
    role: choice(ROLES)  # type: ignore[valid-type]
    bio: str
    location: str
    website: str
    dm_policy: choice(rules.DM_POLICIES)  # type: ignore[valid-type]
    suspended: bool
    created_at: Time


class TokenPair(Payload):
    """A new sign-in or a rotation: your account and the two tokens."""

    user: PrivateUser
    access_token: Annotated[str, Field(description="JWT (HS256), valid `expires_in` seconds.")]
    refresh_token: Annotated[str, Field(description="Opaque; spend it once at /auth/refresh.")]
    token_type: Literal["Bearer"]
    expires_in: Annotated[int, Field(ge=1)]


class Session(Payload):
    """One place you are signed in: a browser, or one API sign-in and its rotations."""

    id: Id
    kind: Literal["browser", "api"]
    created_at: Time
    last_seen_at: Annotated[
        str,
        Field(
            json_schema_extra={"format": "date-time"},
            description="Last use, written at most every few minutes.",
        ),
    ]
    user_agent: str
    current: Annotated[bool, Field(description="The sign-in this request came with.")]


class SessionList(ItemsPage[Session]):
    """A page of your sign-ins."""


class Presence(Payload):
    """A socket's ``presence`` frame: someone you may see came online or left."""

    username: str
    online: bool


class RegisterRequest(Request):
    """Create an account."""

    username: Username  # type: ignore[valid-type]
    email: Annotated[
        str,
        Field(max_length=rules.EMAIL_MAX, pattern=NO_NUL, json_schema_extra={"format": "email"}),
    ]
    password: text(rules.PASSWORD_MAX, min_length=rules.PASSWORD_MIN)  # type: ignore[valid-type]


class LoginRequest(Request):
    """Sign in with a username or an email address."""

    login: text(rules.EMAIL_MAX, description="Username or email address.")  # type: ignore[valid-type]
    password: text(rules.PASSWORD_MAX)  # type: ignore[valid-type]


class RefreshRequest(Request):
    """A refresh token to spend (or to end, on logout)."""

    refresh_token: text(1024)  # type: ignore[valid-type]


class ProfileUpdate(Patch):
    """The profile fields to change; a field left out (or null) stays as it is."""

    display_name: (
        text(  # type: ignore[valid-type]
            rules.DISPLAY_NAME_MAX,
            description="Visible characters: no control, invisible or direction characters.",
        )
        | None
    ) = None
    bio: text(rules.BIO_MAX, pattern=ProfileText, hint=PROFILE_HINT) | None = None  # type: ignore[valid-type]
    location: text(rules.LOCATION_MAX, pattern=ProfileText, hint=PROFILE_HINT) | None = None  # type: ignore[valid-type]
    website: Website | None = None
    dm_policy: choice(rules.DM_POLICIES) | None = None  # type: ignore[valid-type]


def avatar_url(user: User) -> str:
    """Return the user's avatar, or the one generated from the username."""
    return user.avatar_url or f"/avatars/{user.username}.svg"


def summary_fields(user: User) -> dict[str, Any]:
    """Return the fields of ``UserSummary`` (the start of every richer user payload)."""
    return {
        "username": user.username,
        "display_name": user.display_name or user.username,
        "avatar_url": avatar_url(user),
    }


def user_summary(user: User) -> UserSummary:
    """Return the short form of a user shown beside content."""
    return UserSummary(**summary_fields(user))


def private_user(user: User) -> PrivateUser:
    """Return everything a user may see of their own account."""
    return PrivateUser(
        **summary_fields(user),
        email=user.email,
        role=user.role,
        bio=user.bio,
        location=user.location,
        website=user.website,
        dm_policy=user.dm_policy,
        suspended=user.suspended,
        created_at=isoformat(user.created_at),
    )


def token_pair(user: User, pair: dict[str, Any]) -> TokenPair:
    """Return a token pair with the account it signs in."""
    return TokenPair(user=private_user(user), **pair)


def session_payload(record: UserSession, current_id: int | None) -> Session:
    """Return one sign-in as its owner sees it; ``current`` marks the caller's own."""
    return Session(
        id=record.id,
        kind=record.kind,
        created_at=isoformat(record.created_at),
        last_seen_at=isoformat(record.last_seen_at),
        user_agent=record.user_agent,
        current=record.id == current_id,
    )


def presence(user: User, *, online: bool) -> Presence:
    """Return the ``presence`` frame about ``user``."""
    return Presence(username=user.username, online=online)
