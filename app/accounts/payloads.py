"""Accounts as payloads: who someone is beside content, your own account, tokens, sign-ins."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from app.accounts import rules
from app.accounts.identities import PROVIDER_NAMES
from app.accounts.models import ROLES, OAuthIdentity, User, UserSession
from app.accounts.models import Passkey as PasskeyRecord
from app.i18n import SUPPORTED_LOCALES, TIME_ZONE_ERROR, TIME_ZONE_MAX
from app.payloads import (
    NO_NUL,
    Error,
    Id,
    ItemsPage,
    Patch,
    Payload,
    Request,
    Time,
    choice,
    text,
)
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
Provider = choice(PROVIDER_NAMES)
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
    two_factor: Annotated[
        bool, Field(description="Signing in with the password also asks for a code (TOTP).")
    ]
    has_password: Annotated[
        bool,
        Field(
            description="False for an account made with GitHub alone: it signs in with GitHub "
            "until it sets a password through a reset link (`POST /auth/password/forgot`)."
        ),
    ]
    email_verified: Annotated[
        bool,
        Field(
            description="The link mailed to `email` was followed. Without it, posting, "
            "commenting and messaging answer 403 `email_unverified` when the server requires it."
        ),
    ]
    pending_email: Annotated[
        str | None,
        Field(
            json_schema_extra={"format": "email"},
            description="An address asked for (`PATCH /me {email}`) and not confirmed yet: "
            "`email` changes once the link mailed there is followed.",
        ),
    ]
    locale: Annotated[
        choice(SUPPORTED_LOCALES) | None,  # type: ignore[valid-type]
        Field(
            description="The pages' and mails' language; null: not chosen, the browser's "
            "Accept-Language decides (else English)."
        ),
    ]
    time_zone: Annotated[
        str | None,
        Field(
            description="An IANA time zone name (`Europe/Berlin`) for the times on pages and "
            "in mails; null: not chosen, the browser's zone decides (else UTC)."
        ),
    ]
    created_at: Time


class ConnectedAccount(Payload):
    """An outside account (GitHub) that signs you in; connected on the settings page only."""

    provider: Provider  # type: ignore[valid-type]
    login: Annotated[str, Field(description="The provider's name for you at your last sign-in.")]
    created_at: Time
    last_used_at: Time | None


class ConnectedAccountList(Payload):
    """Your connected accounts, one per provider at most."""

    items: list[ConnectedAccount]


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


Email = Annotated[
    str,
    Field(max_length=rules.EMAIL_MAX, pattern=NO_NUL, json_schema_extra={"format": "email"}),
]
# A mailed link's token: what follows /password/reset/ or /email/verify/ in the link.
LinkToken = text(200, description="The token from the mailed link (the last part of its path).")


class ForgotPasswordRequest(Request):
    """Ask for a password reset link by mail."""

    email: Email


class PasswordResetRequest(Request):
    """Choose a new password with a reset link's token."""

    token: LinkToken  # type: ignore[valid-type]
    password: text(rules.PASSWORD_MAX, min_length=rules.PASSWORD_MIN)  # type: ignore[valid-type]


class PasswordChange(Request):
    """Your current password and the new one."""

    current_password: text(rules.PASSWORD_MAX)  # type: ignore[valid-type]
    new_password: text(rules.PASSWORD_MAX, min_length=rules.PASSWORD_MIN)  # type: ignore[valid-type]


class EmailVerifyRequest(Request):
    """Confirm an address with a verification (or change of address) link's token."""

    token: LinkToken  # type: ignore[valid-type]


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
    email: Annotated[
        Email | None,
        Field(
            description="A new address: it waits in `pending_email` until the link mailed "
            "there is followed; the current address is told. Your current address calls a "
            "pending change off."
        ),
    ] = None
    locale: Annotated[
        choice((*SUPPORTED_LOCALES, "")) | None,  # type: ignore[valid-type]
        Field(description='One of the languages offered; `""` goes back to the browser\'s.'),
    ] = None
    time_zone: Annotated[
        text(TIME_ZONE_MAX, hint=TIME_ZONE_ERROR) | None,  # type: ignore[valid-type]
        Field(
            description='An IANA time zone name (422 when unknown); `""` goes back to the '
            "browser's."
        ),
    ] = None


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
        two_factor=user.two_factor,
        has_password=user.has_password,
        email_verified=user.email_verified,
        pending_email=user.pending_email,
        locale=user.locale if user.locale in SUPPORTED_LOCALES else None,
        time_zone=user.time_zone,
        created_at=isoformat(user.created_at),
    )


def connected_account(identity: OAuthIdentity) -> ConnectedAccount:
    """Return one connected account as its owner sees it."""
    return ConnectedAccount(
        provider=identity.provider,
        login=identity.provider_login,
        created_at=isoformat(identity.created_at),
        last_used_at=isoformat(identity.last_used_at),
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


# --- Two factors and passkeys ------------------------------------------------------------------

# A code from the app (6 digits) or a recovery code (16 letters and digits, dashes allowed).
CODE_MAX = 40
CODE_PATTERN = r"^[0-9A-Za-z -]{6,40}$"
AppCode = text(
    pattern=r"^[0-9]{6}$", hint=_l("Type the 6 digits your authenticator app shows now.")
)
AnyCode = text(
    CODE_MAX,
    pattern=CODE_PATTERN,
    hint=_l("Type the 6 digits your app shows, or one of your recovery codes."),
    description="A 6-digit code from the authenticator app, or an unused recovery code.",
)
PasskeyName = text(
    rules.PASSKEY_NAME_MAX,
    pattern=rules.PASSKEY_NAME_PATTERN,
    hint=_l("Give the passkey a name, without control characters."),
)
# WebAuthn's binary fields travel as base64url (padding tolerated).
B64URL = r"^[A-Za-z0-9_-]*={0,2}$"


def b64url(max_length: int) -> Any:
    """Return a base64url string type of at most ``max_length`` characters."""
    return Annotated[str, Field(max_length=max_length, pattern=B64URL)]


class TotpSetup(Payload):
    """A new authenticator-app secret: not in use until a code from the app confirms it."""

    secret: Annotated[str, Field(description="Base32, for typing into the app by hand.")]
    otpauth_uri: Annotated[str, Field(description="The `otpauth://totp/...` address (QR code).")]


class RecoveryCodes(Payload):
    """Ten single-use codes for when the app is lost: shown this once, stored hashed."""

    recovery_codes: Annotated[list[str], Field(min_length=10, max_length=10)]


class TotpConfirm(Request):
    """A first code from the app, to turn two-factor sign-in on."""

    code: AppCode  # type: ignore[valid-type]


class TotpDisable(Request):
    """Your password and a code (from the app or a recovery code), to turn it off."""

    password: text(rules.PASSWORD_MAX)  # type: ignore[valid-type]
    code: AnyCode  # type: ignore[valid-type]


class CodeRequest(Request):
    """A code from the app (or a recovery code)."""

    code: AnyCode  # type: ignore[valid-type]


class MfaLoginRequest(Request):
    """Finish a sign-in that needs a code: the ``mfa_token`` of the 401 and a code."""

    mfa_token: text(1024)  # type: ignore[valid-type]
    code: AnyCode  # type: ignore[valid-type]


class LoginRefused(Error):
    """A refused sign-in; ``mfa_required`` comes with the token that a code completes."""

    mfa_token: Annotated[
        str,
        Field(
            description="Only with `mfa_required`: send it with a code to `/auth/login/2fa` "
            "within 5 minutes."
        ),
    ] = ""


class Passkey(Payload):
    """One of your passkeys."""

    id: Id
    name: str
    created_at: Time
    last_used_at: Time | None


class PasskeyList(ItemsPage[Passkey]):
    """A page of your passkeys, newest first."""


class Loose(BaseModel):
    """A WebAuthn object: the fields we read are typed, the browser's others pass through."""

    model_config = ConfigDict(extra="allow", strict=True)


class AttestationResponse(Loose):
    """What ``navigator.credentials.create()`` answered (``PublicKeyCredential.toJSON()``)."""

    clientDataJSON: b64url(4096)  # type: ignore[valid-type]
    attestationObject: b64url(65536)  # type: ignore[valid-type]
    transports: list[Annotated[str, Field(max_length=20, pattern=NO_NUL)]] | None = None


class AssertionResponse(Loose):
    """What ``navigator.credentials.get()`` answered (``PublicKeyCredential.toJSON()``)."""

    clientDataJSON: b64url(4096)  # type: ignore[valid-type]
    authenticatorData: b64url(4096)  # type: ignore[valid-type]
    signature: b64url(2048)  # type: ignore[valid-type]
    userHandle: b64url(256) | None = None  # type: ignore[valid-type]


class RegistrationCredential(Loose):
    """A new public-key credential, as the browser's ``toJSON()`` writes it."""

    id: b64url(1400)  # type: ignore[valid-type]
    rawId: b64url(1400)  # type: ignore[valid-type]
    type: Literal["public-key"]
    response: AttestationResponse


class AuthenticationCredential(Loose):
    """A signed answer to a sign-in challenge, as the browser's ``toJSON()`` writes it."""

    id: b64url(1400)  # type: ignore[valid-type]
    rawId: b64url(1400)  # type: ignore[valid-type]
    type: Literal["public-key"]
    response: AssertionResponse


class PasskeyCreate(Request):
    """Add a passkey: a name of your choice and the authenticator's answer to the options."""

    name: PasskeyName  # type: ignore[valid-type]
    credential: RegistrationCredential


class PasskeyRename(Patch):
    """A new name for a passkey."""

    name: PasskeyName | None = None  # type: ignore[valid-type]


class PasskeyLogin(Request):
    """Sign in with a passkey: its signed answer to `POST /auth/passkey/options`."""

    credential: AuthenticationCredential


class PasskeyCreationOptions(Loose):
    """Options for ``navigator.credentials.create()`` (WebAuthn creation options JSON)."""

    rp: dict[str, str]
    user: dict[str, str]
    challenge: str
    pubKeyCredParams: list[dict[str, Any]]
    timeout: int
    excludeCredentials: list[dict[str, Any]]
    authenticatorSelection: dict[str, Any]
    attestation: str


class PasskeyRequestOptions(Loose):
    """Options for ``navigator.credentials.get()`` (WebAuthn request options JSON)."""

    challenge: str
    timeout: int
    rpId: str
    allowCredentials: list[dict[str, Any]]
    userVerification: str


def passkey_payload(passkey: PasskeyRecord) -> Passkey:
    """Return one passkey as its owner sees it."""
    return Passkey(
        id=passkey.id,
        name=passkey.name,
        created_at=isoformat(passkey.created_at),
        last_used_at=isoformat(passkey.last_used_at),
    )
