"""Account pages: register, log in, log out, settings."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required
from markupsafe import Markup

from app import jsonread
from app.accounts import github, identities, mfa, passkeys, queries, services
from app.accounts.auth import (
    MFA_SESSION_KEY,
    complete_sign_in,
    login_limits,
    offer_cancel_deletion,
    password_reset_limits,
    register_limits,
    sign_in,
    sign_in_step_limits,
    sign_out,
    verification_mail_limits,
)
from app.accounts.forms import (
    CodeForm,
    EmailForm,
    EmptyForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    PasskeyForm,
    PasskeyLoginForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    TotpDisableForm,
    apply_errors,
)
from app.errors import AccountPendingDeletion, Conflict, DomainError, InvalidLink, Unauthorized
from app.extensions import csrf
from app.media import services as media
from app.media.uploads import check_page_csrf, read_upload
from app.notifications import queries as notification_queries
from app.ratelimits import upload_limit
from app.redirects import go, safe_next
from app.safety import queries as safety
from app.tags import queries as tag_queries
from app.web import allow_form_action, is_htmx, render_page
from app.yourdata.settings import your_data_settings

bp = Blueprint("accounts", __name__)

# How many blocked and muted people the settings page lists before "See everyone".
SAFETY_LIST = 10
FOLLOWED_TAGS_LIST = 50  # followed tags listed on the settings page
# How many sign-ins the settings page lists (newest first); "log out everywhere" ends the rest.
SESSIONS_LIST = 50


@bp.route("/register", methods=["GET", "POST"])
@register_limits
def register():
    """Show the sign-up form, or create the account and sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("feeds.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(
                username=form.username.data or "",
                email=form.email.data or "",
                password=form.password.data or "",
            )
        except DomainError as error:
            apply_errors(form, error)
        else:
            sign_in(user)
            flash(_("Welcome to DevThread, %(name)s!", name=user.username), "success")
            return go(url_for("feeds.home"))
    status = 422 if form.is_submitted() else 200
    return render_page("accounts/register.html", block="form", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    """Show the sign-in form, or sign in."""
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("feeds.home")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                login=form.login.data or "", password=form.password.data or ""
            )
        except AccountPendingDeletion as pending:
            next_url = safe_next(url_for("feeds.home"))
            return offer_cancel_deletion(
                pending.user_id, remember=bool(form.remember.data), next_url=next_url
            )
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            return complete_sign_in(
                user, remember=bool(form.remember.data), next_url=safe_next(url_for("feeds.home"))
            )
    status = 422 if form.is_submitted() else 200
    return render_page("accounts/login.html", block="form", form=form), status


@bp.post("/logout")
def logout():
    """Sign out of this browser."""
    form = EmptyForm()
    if form.validate_on_submit():
        sign_out()
        flash(_("You are signed out."), "info")
    return go(url_for("feeds.home"))


@bp.get("/settings")
@login_required
def settings():
    """Show the profile, password and session settings."""
    return render_settings()


@bp.post("/settings/profile")
@login_required
def update_profile():
    """Save the profile."""
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            services.update_profile(
                user=current_user,
                display_name=form.display_name.data or "",
                bio=form.bio.data or "",
                location=form.location.data or "",
                website=form.website.data or "",
                dm_policy=form.dm_policy.data or "everyone",
            )
        except DomainError as error:
            apply_errors(form, error)
        else:
            return saved("profile", _("Your profile is saved."))
    return render_settings(profile_form=form, block="profile", status=422)


@bp.post("/settings/language")
@login_required
def update_language():
    """Save the language and the time zone of the pages and mails."""
    form = LanguageForm(current_zone=current_user.time_zone)
    if form.validate_on_submit():
        try:
            services.update_profile(
                user=current_user,
                locale=form.locale.data or "",
                time_zone=form.time_zone.data or "",
            )
        except DomainError as error:
            apply_errors(form, error)
        else:
            # The message and the page that follows come in the language just chosen.
            refresh()
            return saved("language", _("Your language and time zone are saved."))
    return render_settings(language_form=form, block="language", status=422)


@bp.post("/settings/password")
@login_required
def change_password():
    """Change the password and sign out every other session."""
    form = PasswordForm()
    status = 422
    if form.validate_on_submit():
        current = queries.get_session(current_user.current_session_id)
        remember = bool(current and current.remember)
        try:
            user = services.change_password(
                user=current_user._get_current_object(),
                current_password=form.current_password.data or "",
                new_password=form.new_password.data or "",
            )
        except DomainError as error:
            apply_errors(form, error)
            status = error.status
        else:
            # Every sign-in ended, this one too: start a fresh one here, as it was. The page
            # reloads in full, since its CSRF token belonged to the session that ended.
            sign_in(user, remember=remember)
            flash(_("Password changed. Your other sessions are signed out."), "success")
            return go(url_for("accounts.settings"))
    return render_settings(password_form=form, block="password", status=status)


@bp.post("/settings/sessions")
@login_required
def log_out_everywhere():
    """Sign out every browser and app, this one included."""
    form = EmptyForm()
    if form.validate_on_submit():
        services.log_out_everywhere(user=current_user)
        sign_out()
        flash(_("You are signed out everywhere."), "info")
    return go(url_for("accounts.login"))


@bp.post("/settings/sessions/<id:session_id>/sign-out")
@login_required
def sign_out_session(session_id: int):
    """Sign out one browser or app from the list of sign-ins."""
    form = EmptyForm()
    if not form.validate_on_submit():
        return go(url_for("accounts.settings"))
    if session_id == current_user.current_session_id:
        sign_out()
        flash(_("You are signed out."), "info")
        return go(url_for("accounts.login"))
    services.end_session(user=current_user, session_id=session_id)
    return saved("signed_in", _("That session is signed out."))


@bp.post("/settings/avatar")
@csrf.exempt  # checked in the view, once the upload's size limit is set (the form is large)
@upload_limit
@login_required
def update_avatar():
    """Make the uploaded picture the avatar."""
    check_page_csrf()
    try:
        media.set_avatar(user=current_user, data=read_upload())
    except DomainError as error:
        message = " ".join(m for ms in error.fields.values() for m in ms) or error.message
        return render_settings(status=error.status, notices={"avatar_error": message})
    flash(_("Your avatar is saved."), "success")
    return redirect(url_for("accounts.settings"), code=303)


@bp.post("/settings/avatar/delete")
@login_required
def delete_avatar():
    """Go back to the generated avatar."""
    if EmptyForm().validate_on_submit():
        media.remove_avatar(user=current_user)
        flash(_("Your avatar is removed."), "success")
    return redirect(url_for("accounts.settings"), code=303)


@bp.post("/settings/email")
@login_required
@verification_mail_limits
def change_email():
    """Ask for a new email address: it changes once the link mailed there is followed."""
    form = EmailForm()
    status = 422
    if form.validate_on_submit():
        try:
            services.update_profile(user=current_user, email=form.email.data or "")
        except DomainError as error:
            apply_errors(form, error)
            status = error.status
        else:
            return saved("email", _("Check your new address: the change needs its link."))
    return render_settings(email_form=form, block="email", status=status)


@bp.post("/settings/email/verification")
@login_required
@verification_mail_limits
def resend_verification():
    """Mail a new verification link to the account's address."""
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.mail_verification(user=current_user)
        except Conflict as done:
            flash(done.message, "info")
        else:
            flash(_("We sent a new link to %(email)s.", email=current_user.email), "success")
    return go(url_for("accounts.settings"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@password_reset_limits
def forgot_password():
    """Ask for a reset link; the same answer whether the address has an account or not."""
    form = ForgotPasswordForm()
    status, sent = 200, False
    if form.validate_on_submit():
        try:
            services.request_password_reset(email=form.email.data or "")
        except DomainError as error:
            apply_errors(form, error)
            status = error.status
        else:
            # An empty form again: the page says nothing of the address asked about.
            sent, form = True, ForgotPasswordForm(formdata=None)
    elif form.is_submitted():
        status = 422
    return render_page("accounts/forgot_password.html", form=form, sent=sent), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a mailed link; every session ends."""
    if services.reset_link_user(token) is None:
        return link_refused(services.bad_link_message(), purpose="reset")
    form = ResetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.reset_password(token=token, password=form.password.data or "")
        except InvalidLink as refused:
            return link_refused(refused.message, purpose="reset")
        except DomainError as error:
            apply_errors(form, error)
            status = error.status
        else:
            if current_user.is_authenticated and current_user.id == user.id:
                sign_out()  # this browser's sign-in ended with the others: clear its cookies
            flash(_("Your password is changed and every session is signed out."), "success")
            return go(url_for("accounts.login"))
    elif form.is_submitted():
        status = 422
    return render_page("accounts/reset_password.html", form=form, token=token), status


@bp.route("/email/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """Show a button that confirms an address (GET spends nothing: mail scanners fetch links)."""
    if not services.verification_link_live(token):
        return link_refused(services.bad_link_message(), purpose="verify")
    form = EmptyForm()
    if form.validate_on_submit():
        viewer = current_user._get_current_object() if current_user.is_authenticated else None
        try:
            user = services.verify_email(token=token, user=viewer)
        except DomainError as refused:
            return link_refused(refused.message, purpose="verify", status=refused.status)
        flash(_("Your email address %(email)s is confirmed.", email=user.email), "success")
        return go(url_for("accounts.settings" if viewer else "accounts.login"))
    return render_page("accounts/verify_email.html", form=form, token=token)


def link_refused(message: str, *, purpose: str, status: int = 400):
    """Show why a mailed link does not work, with the way to ask for a new one."""
    page = render_page("accounts/link_refused.html", message=message, purpose=purpose)
    return page, status


def saved(block: str, message: str):
    """Confirm a saved settings form: in place for htmx, else flash and reload the page."""
    if is_htmx():
        return render_settings(block=block, notices={block: message})
    flash(message, "success")
    return redirect(url_for("accounts.settings"), code=303)


def render_settings(
    profile_form: ProfileForm | None = None,
    language_form: LanguageForm | None = None,
    password_form: PasswordForm | None = None,
    email_form: EmailForm | None = None,
    block: str | None = None,
    status: int = 200,
    notices: dict[str, str] | None = None,
    your_data: dict | None = None,
    **second_factors,
):
    """Render the settings page (or one of its forms for htmx)."""
    if github.enabled():
        allow_form_action(github.authorize_origin())
    connections = queries.identities_of(current_user)
    return render_page(
        "accounts/settings.html",
        block=block,
        **your_data_settings(**(your_data or {})),
        **second_factor_settings(**second_factors),
        profile_form=profile_form or ProfileForm(obj=current_user, formdata=None),
        language_form=language_form
        or LanguageForm(
            formdata=None,
            current_zone=current_user.time_zone,
            data={"locale": current_user.locale or "", "time_zone": current_user.time_zone or ""},
        ),
        password_form=password_form or PasswordForm(formdata=None),
        email_form=email_form or EmailForm(formdata=None),
        sessions_form=EmptyForm(),
        signed_in=queries.user_sessions(current_user, limit=SESSIONS_LIST, cursor=None),
        notices=notices or {},
        blocked=safety.blocked_users(current_user, limit=SAFETY_LIST, cursor=None),
        muted=safety.muted_users(current_user, limit=SAFETY_LIST, cursor=None),
        connections=connections,
        only_way_in=identities.is_only_way_in(current_user, len(connections)),
        notification_settings=notification_queries.settings_of(current_user.id),
        followed_tags=tag_queries.followed_tags(current_user.id, limit=FOLLOWED_TAGS_LIST),
    ), status


# --- Two factors and passkeys ------------------------------------------------------------------
# The login page's second step, the passkey sign-in, and the settings page's two sections.

PASSKEY_LIMIT = 50  # passkeys listed on the settings page


@bp.route("/login/2fa", methods=["GET", "POST"])
@sign_in_step_limits
def login_second_factor():
    """Ask for the code of a sign-in whose password was right, then sign in."""
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("feeds.home")))
    token = session.get(MFA_SESSION_KEY)
    if not isinstance(token, str) or mfa.pending_sign_in_user(token) is None:
        return sign_in_again()
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            user, remember = mfa.finish_pending_sign_in(token=token, code=form.code.data or "")
        except Unauthorized:
            return sign_in_again()
        except DomainError as error:
            apply_errors(form, error)
            status = error.status
        else:
            sign_in(user, remember=remember)  # a new session: the pending token goes with it
            return go(safe_next(url_for("feeds.home")))
    elif form.is_submitted():
        status = 422
    return render_page("accounts/login_2fa.html", form=form), status


def sign_in_again():
    """Send a browser whose pending sign-in is gone (expired, finished) back to the password."""
    session.pop(MFA_SESSION_KEY, None)
    flash(_("Your sign-in has expired. Please sign in again."), "info")
    return go(url_for("accounts.login", next=safe_next("") or None))


@bp.post("/login/passkey/options")
@sign_in_step_limits
def passkey_login_options():
    """Start a passkey sign-in: WebAuthn options with a fresh challenge (JSON)."""
    return jsonify(passkeys.authentication_options())


@bp.post("/login/passkey")
@sign_in_step_limits
def login_with_passkey():
    """Sign in with the passkey answer that static/js/passkeys.js put in the form."""
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("feeds.home")))
    form = PasskeyLoginForm()
    error = _("That passkey was not accepted. Try again, or use your password.")
    status = 422
    if form.validate_on_submit():
        try:
            user = passkeys.authenticate(credential=read_credential(form.credential.data))
        except AccountPendingDeletion as pending:
            return offer_cancel_deletion(
                pending.user_id, remember=form.remember.data == "y", next_url=safe_next("")
            )
        except DomainError as refused:
            error, status = refused.message, refused.status
        else:
            sign_in(user, remember=form.remember.data == "y")
            return go(safe_next(url_for("feeds.home")))
    page = render_page("accounts/login.html", form=LoginForm(formdata=None), passkey_error=error)
    return page, status


def read_credential(raw: str | None) -> object:
    """Read the browser's JSON answer from a form field (unreadable: None, refused later)."""
    try:
        return jsonread.loads(raw or "")
    except ValueError:
        return None


# Both forms of the "on" state ask for a code: prefixes keep their fields' ids apart.
def second_factor_settings(
    totp_setup: tuple[str, str] | None = None,
    code_form: CodeForm | None = None,
    disable_form: TotpDisableForm | None = None,
    recovery_form: CodeForm | None = None,
    passkey_form: PasskeyForm | None = None,
) -> dict[str, object]:
    """Return what the settings page's two-factor and passkey sections show."""
    return {
        "totp_setup": totp_setup,
        "totp_qr": totp_qr(totp_setup[1]) if totp_setup else None,
        "code_form": code_form or CodeForm(formdata=None),
        "disable_form": disable_form or TotpDisableForm(formdata=None, prefix="disable"),
        "recovery_form": recovery_form or CodeForm(formdata=None, prefix="recovery"),
        "passkey_form": passkey_form or PasskeyForm(formdata=None),
        "recovery_left": mfa.recovery_codes_left(current_user) if current_user.two_factor else 0,
        "passkey_list": queries.user_passkeys(current_user, limit=PASSKEY_LIMIT, cursor=None),
    }


def totp_qr(uri: str) -> Markup:
    """Draw the otpauth address as an SVG QR code, on the server (no outside service)."""
    import segno

    # segno writes presentation attributes only (no style=""): the CSP allows it as it is.
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, title=_("QR code for your authenticator app"), svgclass="qr-code"
    )
    return Markup(svg)  # segno's own markup: the address is drawn, never written in


def totp_setup_of(secret: str) -> tuple[str, str]:
    """Return the secret and its otpauth address, as the set-up section shows them."""
    return secret, mfa.otpauth_uri(current_user, secret)


@bp.post("/settings/2fa/totp")
@login_required
def start_totp():
    """Start setting up an authenticator app: show its QR code and secret."""
    form = EmptyForm()
    if not form.validate_on_submit():
        return go(url_for("accounts.settings"))
    secret = mfa.start_totp_setup(user=current_user)
    return render_settings(totp_setup=totp_setup_of(secret))


@bp.post("/settings/2fa/totp/confirm")
@login_required
def confirm_totp():
    """Turn two-factor sign-in on with a first code; show the recovery codes once."""
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = mfa.confirm_totp(user=current_user, code=form.code.data or "")
        except DomainError as error:
            apply_errors(form, error)
        else:
            return render_recovery_codes(codes)
    secret = mfa.pending_secret(current_user)
    setup = totp_setup_of(secret) if secret else None
    return render_settings(totp_setup=setup, code_form=form, status=422)


@bp.post("/settings/2fa/totp/disable")
@login_required
def disable_totp():
    """Turn two-factor sign-in off with the password and a code."""
    form = TotpDisableForm(prefix="disable")
    status = 422
    if form.validate_on_submit():
        try:
            mfa.disable_totp(
                user=current_user,
                password=form.password.data or "",
                code=form.code.data or "",
            )
        except DomainError as error:
            apply_errors(form, error)
            status = error.status
        else:
            flash(_("Two-factor sign-in is off."), "info")
            return go(url_for("accounts.settings"))
    return render_settings(disable_form=form, status=status)


@bp.post("/settings/2fa/recovery-codes")
@login_required
def regenerate_recovery_codes():
    """Replace the recovery codes after a right code; show the new ones once."""
    form = CodeForm(prefix="recovery")
    status = 422
    if form.validate_on_submit():
        try:
            codes = mfa.regenerate_recovery_codes(user=current_user, code=form.code.data or "")
        except DomainError as error:
            apply_errors(form, error)
            status = error.status
        else:
            return render_recovery_codes(codes)
    return render_settings(recovery_form=form, status=status)


def render_recovery_codes(codes: list[str]):
    """Show the recovery codes this once, with a text file of them to download."""
    return render_page("accounts/recovery_codes.html", codes=codes, text="\n".join(codes) + "\n")


@bp.post("/settings/passkeys/options")
@login_required
def passkey_options():
    """Start adding a passkey: WebAuthn options with a fresh challenge (JSON)."""
    return jsonify(passkeys.registration_options(user=current_user))


@bp.post("/settings/passkeys")
@login_required
def add_passkey():
    """Keep the passkey whose answer static/js/passkeys.js put in the form."""
    form = PasskeyForm()
    if form.validate_on_submit():
        try:
            passkeys.add_passkey(
                user=current_user,
                name=form.name.data or "",
                credential=read_credential(form.credential.data),
            )
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(_("Passkey added. You can sign in with it now."), "success")
            return go(url_for("accounts.settings"))
    return render_settings(passkey_form=form, status=422)


@bp.post("/settings/passkeys/<id:passkey_id>/delete")
@login_required
def delete_passkey(passkey_id: int):
    """Remove one of your passkeys."""
    form = EmptyForm()
    if form.validate_on_submit():
        passkeys.delete_passkey(user=current_user, passkey_id=passkey_id)
        flash(_("Passkey removed."), "info")
    return go(url_for("accounts.settings"))
