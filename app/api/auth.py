"""API routes for accounts: register, login, refresh, logout, me, sessions, connections."""

from __future__ import annotations

from flask_babel import gettext as _

from app.accounts import identities, queries, services, tokens
from app.accounts.auth import (
    client_info,
    email_change_limits,
    login_limits,
    password_reset_limits,
    register_limits,
    start_second_factor,
    verification_mail_limits,
)
from app.accounts.payloads import (
    ConnectedAccountList,
    EmailVerifyRequest,
    ForgotPasswordRequest,
    LoginRefused,
    LoginRequest,
    PasswordChange,
    PasswordResetRequest,
    PrivateUser,
    ProfileUpdate,
    RefreshRequest,
    RegisterRequest,
    SessionList,
    TokenPair,
    connected_account,
    private_user,
    session_payload,
    token_pair,
)
from app.api import bp
from app.api.common import api_user, api_viewer
from app.api.spec import operation
from app.errors import MfaRequired
from app.payloads import PageQuery, page_of


@bp.post("/auth/register")
@register_limits
@operation(
    "Create an account",
    "Auth",
    {201: ("The new account and its first tokens.", TokenPair)},
    body=RegisterRequest,
    errors=(409,),
)
def register_account(body: RegisterRequest):
    """Create an account and return its first token pair."""
    user = services.register_user(**body.model_dump())
    return token_pair(user, tokens.sign_in(user, **client_info())), 201


@bp.post("/auth/login")
@login_limits
@operation(
    "Sign in with a username or email",
    "Auth",
    {
        200: ("A new token pair.", TokenPair),
        401: (
            "Wrong credentials; or, with two-factor sign-in on, `mfa_required` and an "
            "`mfa_token` to send with a code to `/auth/login/2fa`.",
            LoginRefused,
        ),
    },
    body=LoginRequest,
)
def login(body: LoginRequest):
    """Exchange a username or email and a password for a token pair (or a code's turn)."""
    user = services.authenticate(login=body.login, password=body.password)
    if mfa_token := start_second_factor(user):
        raise MfaRequired(_("Type the code from your authenticator app."), mfa_token)
    return token_pair(user, tokens.sign_in(user, **client_info()))


@bp.post("/auth/refresh")
@operation(
    "Rotate a refresh token",
    "Auth",
    {200: ("A new pair; the token sent is now used.", TokenPair)},
    body=RefreshRequest,
    body_description="Sending a token that was already used revokes every token of its family.",
)
def refresh_tokens(body: RefreshRequest):
    """Spend a refresh token for a new pair (rotation with reuse detection)."""
    user, pair = tokens.rotate_refresh_token(body.refresh_token, **client_info())
    return token_pair(user, pair)


@bp.post("/auth/logout")
@operation(
    "Sign out one session",
    "Auth",
    {
        204: (
            "The token's sign-in ends: its refresh tokens, its access tokens and its sockets "
            "stop working at once.",
            None,
        )
    },
    body=RefreshRequest,
)
def logout(body: RefreshRequest):
    """End the sign-in of the refresh token given: its tokens and sockets stop at once."""
    tokens.revoke_refresh_token(body.refresh_token)


@bp.get("/me")
@operation("Your account", "Me", {200: ("Your private profile.", PrivateUser)}, auth=True)
def get_me():
    """Return the signed-in user's private profile."""
    return private_user(api_user())


@bp.patch("/me")
@email_change_limits
@operation(
    "Change your profile",
    "Me",
    {200: ("Your private profile.", PrivateUser)},
    body=ProfileUpdate,
    errors=(409,),
    auth=True,
    description="With `email`: 409 when another account uses that address. A body with "
    "`email` counts towards the verification mails' rate limit.",
)
def update_me(body: ProfileUpdate):
    """Change the signed-in user's profile fields."""
    changes = body.model_dump(exclude_none=True)
    return private_user(services.update_profile(user=api_user(), **changes))


@bp.post("/auth/logout_all")
@operation(
    "Sign out everywhere",
    "Auth",
    {204: ("Every token, browser session and socket of yours is ended.", None)},
    auth=True,
)
def logout_everywhere():
    """End every session of the signed-in user: tokens, browser sessions and open sockets."""
    services.log_out_everywhere(user=api_user())


@bp.get("/me/sessions")
@operation(
    "Where you are signed in, newest first",
    "Me",
    {200: ("A page of your browser and API sign-ins.", SessionList)},
    query=PageQuery,
    auth=True,
)
def list_sessions(query: PageQuery):
    """List where you are signed in (browsers and API sign-ins), newest first."""
    user = api_user()
    page = queries.user_sessions(user, limit=query.limit, cursor=query.cursor)
    return page_of(SessionList, page, lambda r: session_payload(r, user.current_session_id))


@bp.delete("/me/sessions/<id:session_id>")
@operation(
    "Sign out one browser or API sign-in",
    "Me",
    {
        204: (
            "It ends at once: its cookies, tokens and sockets (closed with code 4401) stop "
            "working. Your current one may be ended too.",
            None,
        )
    },
    auth=True,
    path={"session_id": "A sign-in's id from `GET /me/sessions`; another person's is 404."},
)
def delete_session(session_id: int):
    """End one of your sign-ins at once (another person's is 404)."""
    services.end_session(user=api_user(), session_id=session_id)


@bp.get("/me/connections")
@operation(
    "Your connected accounts (GitHub)",
    "Me",
    {200: ("The outside accounts that sign you in.", ConnectedAccountList)},
    auth=True,
    description="Connecting happens on the settings page (`/settings`), in the browser: "
    "GitHub's sign-in is a redirect the API does not carry.",
)
def list_connections():
    """List the outside accounts (GitHub) that sign you in."""
    items = [connected_account(i) for i in queries.identities_of(api_user())]
    return ConnectedAccountList(items=items)


@bp.delete("/me/connections/<provider>")
@operation(
    "Disconnect an outside account",
    "Me",
    {204: ("It no longer signs you in.", None)},
    auth=True,
    errors=(404, 409),
    path={"provider": "`github`; one not connected to your account is 404."},
    description="Refused (409) when it is your only way to sign in: no password and no other "
    "connected account.",
)
def delete_connection(provider: str):
    """Disconnect an outside account, unless it is your only way to sign in."""
    identities.disconnect(user=api_user(), provider=provider)


@bp.post("/auth/password/forgot")
@password_reset_limits
@operation(
    "Ask for a password reset link by mail",
    "Auth",
    {202: ("Accepted, whether or not an account uses the address.", None)},
    body=ForgotPasswordRequest,
    description="When an account uses the address, a link valid for 1 hour is mailed to it "
    "(earlier links stop working). Rate limited per caller and per address asked about.",
)
def forgot_password(body: ForgotPasswordRequest):
    """Mail a password reset link when an account uses the address; the same answer if not."""
    services.request_password_reset(email=body.email)
    return None, 202


@bp.post("/auth/password/reset")
@operation(
    "Set a new password with a reset link",
    "Auth",
    {
        204: (
            "The password is set and the link spent; every session, refresh token and "
            "socket of the account ends.",
            None,
        )
    },
    body=PasswordResetRequest,
    description="400 `invalid_token` for a token that is unknown, expired, spent or replaced "
    "by a newer one; nothing changes.",
)
def reset_password(body: PasswordResetRequest):
    """Spend a reset link's token for a new password; every sign-in of the account ends."""
    services.reset_password(token=body.token, password=body.password)


@bp.post("/me/password")
@operation(
    "Change your password",
    "Me",
    {204: ("Changed; your other sessions end, this one stays.", None)},
    body=PasswordChange,
    errors=(409,),
    auth=True,
    description="422 with `fields.current_password` when it is wrong. 409 for an account "
    "without a password (made with GitHub): it sets its first one through a reset link, "
    "which proves the mailbox, so a stolen session cannot add a way in.",
)
def change_password(body: PasswordChange):
    """Change the caller's password; every other sign-in of theirs ends."""
    user = api_user()
    services.change_password(
        user=user,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_session_id=user.current_session_id,
    )


@bp.post("/me/email/verification")
@verification_mail_limits
@operation(
    "Mail a new verification link",
    "Me",
    {202: ("A new link is mailed to your address; earlier ones stop working.", None)},
    errors=(409,),
    auth=True,
    body_required=False,
    description="409 when your address is already verified.",
)
def resend_verification():
    """Mail a new verification link to the caller's address."""
    services.mail_verification(user=api_user())
    return None, 202


@bp.post("/auth/email/verify")
@operation(
    "Confirm an email address with a mailed link",
    "Auth",
    {204: ("Confirmed: `email_verified` is true (and `email` is the new address).", None)},
    body=EmailVerifyRequest,
    errors=(409,),
    description="No token needed: the link proves the mailbox. With a token, the link must be "
    "the caller's own. 400 `invalid_token` for a token that is unknown, expired, spent, "
    "replaced or another account's; 409 when another account took the new address meanwhile.",
)
def verify_email(body: EmailVerifyRequest):
    """Spend a verification or change-of-address link's token."""
    services.verify_email(token=body.token, user=api_viewer())
