"""Whether an account may sign in: the one check every sign-in path makes."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from app.accounts.models import User
from app.errors import AccountPendingDeletion, Forbidden
from app.timeutil import isoformat


def refuse_inactive(user: User) -> None:
    """Raise when the account may not sign in: suspended (403) or being deleted (403, cancelable).

    Call it only once the credentials proved who is asking: the deletion answer says when the
    account will be erased and lets its owner cancel, which nobody else may learn.
    """
    if user.suspended:
        raise Forbidden(_("This account is suspended."))
    if user.deletion_due_at is not None:
        if user.erased_at is not None:
            raise Forbidden(_("This account was deleted."))
        raise AccountPendingDeletion(
            _(
                "This account will be erased on %(date)s. Cancel the deletion to sign in.",
                date=format_date(user.deletion_due_at, "long"),
            ),
            user_id=user.id,
            erase_at=isoformat(user.deletion_due_at) or "",
        )
