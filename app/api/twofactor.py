"""API routes for second factors: TOTP, its recovery codes, the code step of sign-in, passkeys."""

from __future__ import annotations

from app.accounts import mfa, passkeys, queries, tokens
from app.accounts.auth import client_info, sign_in_step_limits
from app.accounts.payloads import (
    CodeRequest,
    MfaLoginRequest,
    Passkey,
    PasskeyCreate,
    PasskeyCreationOptions,
    PasskeyList,
    PasskeyLogin,
    PasskeyRename,
    PasskeyRequestOptions,
    RecoveryCodes,
    TokenPair,
    TotpConfirm,
    TotpDisable,
    TotpSetup,
    passkey_payload,
    token_pair,
)
from app.api import bp
from app.api.common import api_user
from app.api.spec import operation
from app.payloads import PageQuery, page_of

PASSKEY_ID = {"passkey_id": "One of your passkeys' ids; another person's is 404."}


@bp.post("/me/2fa/totp")
@operation(
    "Start setting up an authenticator app",
    "Two factors",
    {200: ("A new secret; nothing changes until a code confirms it.", TotpSetup)},
    errors=(409,),
    auth=True,
)
def start_totp():
    """Make a new TOTP secret for the caller's app (pending until confirmed)."""
    user = api_user()
    secret = mfa.start_totp_setup(user=user)
    return TotpSetup(secret=secret, otpauth_uri=mfa.otpauth_uri(user, secret))


@bp.post("/me/2fa/totp/confirm")
@operation(
    "Turn two-factor sign-in on",
    "Two factors",
    {200: ("It is on; the ten recovery codes, shown this once.", RecoveryCodes)},
    body=TotpConfirm,
    errors=(409,),
    auth=True,
    description="422 with `fields.code` when the code is not the one the app shows now.",
)
def confirm_totp(body: TotpConfirm):
    """Confirm the pending secret with a code from the app; return the recovery codes."""
    return RecoveryCodes(recovery_codes=mfa.confirm_totp(user=api_user(), code=body.code))


@bp.delete("/me/2fa/totp")
@operation(
    "Turn two-factor sign-in off",
    "Two factors",
    {204: ("It is off; the recovery codes are gone.", None)},
    body=TotpDisable,
    errors=(409,),
    auth=True,
    description="Wrong codes count towards the lockout, as at sign-in (429 while locked).",
)
def disable_totp(body: TotpDisable):
    """Turn two-factor sign-in off with the password and a code."""
    mfa.disable_totp(user=api_user(), password=body.password, code=body.code)


@bp.post("/me/2fa/recovery_codes")
@operation(
    "Replace your recovery codes",
    "Two factors",
    {200: ("Ten new codes, shown this once; the old ones stop working.", RecoveryCodes)},
    body=CodeRequest,
    errors=(409,),
    auth=True,
)
def regenerate_recovery_codes(body: CodeRequest):
    """Replace every recovery code with ten new ones, after a right code."""
    codes = mfa.regenerate_recovery_codes(user=api_user(), code=body.code)
    return RecoveryCodes(recovery_codes=codes)


@bp.post("/auth/login/2fa")
@sign_in_step_limits
@operation(
    "Finish a sign-in with a code",
    "Auth",
    {200: ("A new token pair.", TokenPair)},
    body=MfaLoginRequest,
    description="401 for an unknown, expired or finished `mfa_token`; 422 (`fields.code`) for a "
    "wrong or used code; after too many wrong codes, 429 until the lock ends.",
)
def login_second_factor(body: MfaLoginRequest):
    """Exchange the mfa_token of a right password and a code for a token pair."""
    user, _remember = mfa.finish_pending_sign_in(token=body.mfa_token, code=body.code)
    return token_pair(user, tokens.sign_in(user, **client_info()))


@bp.get("/me/passkeys")
@operation(
    "Your passkeys, newest first",
    "Two factors",
    {200: ("A page of your passkeys.", PasskeyList)},
    query=PageQuery,
    auth=True,
)
def list_passkeys(query: PageQuery):
    """List the caller's passkeys, newest first."""
    page = queries.user_passkeys(api_user(), limit=query.limit, cursor=query.cursor)
    return page_of(PasskeyList, page, passkey_payload)


@bp.post("/me/passkeys/options")
@operation(
    "Start adding a passkey",
    "Two factors",
    {200: ("Options for `navigator.credentials.create()`.", PasskeyCreationOptions)},
    auth=True,
)
def passkey_registration_options():
    """Return WebAuthn registration options with a fresh challenge."""
    return PasskeyCreationOptions(**passkeys.registration_options(user=api_user()))


@bp.post("/me/passkeys")
@operation(
    "Add a passkey",
    "Two factors",
    {201: ("The new passkey.", Passkey)},
    body=PasskeyCreate,
    errors=(409,),
    auth=True,
    description="`credential` is the browser's `PublicKeyCredential.toJSON()` for the options "
    "of `POST /me/passkeys/options`; 422 (`fields.credential`) when it does not verify.",
)
def add_passkey(body: PasskeyCreate):
    """Verify a new credential against our challenge and keep it under a name."""
    credential = body.credential.model_dump()
    passkey = passkeys.add_passkey(user=api_user(), name=body.name, credential=credential)
    return passkey_payload(passkey), 201


@bp.patch("/me/passkeys/<id:passkey_id>")
@operation(
    "Rename a passkey",
    "Two factors",
    {200: ("The passkey.", Passkey)},
    body=PasskeyRename,
    auth=True,
    path=PASSKEY_ID,
)
def rename_passkey(passkey_id: int, body: PasskeyRename):
    """Give one of the caller's passkeys a new name."""
    passkey = passkeys.rename_passkey(user=api_user(), passkey_id=passkey_id, name=body.name or "")
    return passkey_payload(passkey)


@bp.delete("/me/passkeys/<id:passkey_id>")
@operation(
    "Remove a passkey",
    "Two factors",
    {204: ("It no longer signs in.", None)},
    auth=True,
    path=PASSKEY_ID,
)
def delete_passkey(passkey_id: int):
    """Remove one of the caller's passkeys."""
    passkeys.delete_passkey(user=api_user(), passkey_id=passkey_id)


@bp.post("/auth/passkey/options")
@sign_in_step_limits
@operation(
    "Start signing in with a passkey",
    "Auth",
    {200: ("Options for `navigator.credentials.get()`.", PasskeyRequestOptions)},
)
def passkey_sign_in_options():
    """Return WebAuthn authentication options with a fresh challenge."""
    return PasskeyRequestOptions(**passkeys.authentication_options())


@bp.post("/auth/passkey")
@sign_in_step_limits
@operation(
    "Sign in with a passkey",
    "Auth",
    {200: ("A new token pair (a passkey counts as both factors).", TokenPair)},
    body=PasskeyLogin,
    description="401 when the answer does not verify: an unknown key or challenge, a bad "
    "signature, or a signature counter that did not grow.",
)
def passkey_sign_in(body: PasskeyLogin):
    """Exchange a passkey's signed answer to our challenge for a token pair."""
    user = passkeys.authenticate(credential=body.credential.model_dump())
    return token_pair(user, tokens.sign_in(user, **client_info()))
