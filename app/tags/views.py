"""The follow-tag button on a tag's page: htmx gets the button back, a plain form the page."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_login import current_user, login_required

from app.accounts.forms import EmptyForm
from app.redirects import referrer_or, see_other
from app.tags import queries, services
from app.web import is_htmx, render_page

bp = Blueprint("tags", __name__)


@bp.post("/tags/<tag>/follow")
@login_required
def toggle_tag_follow(tag: str):
    """Follow (``on=1``) or stop following a tag; htmx gets the button back."""
    found = queries.existing_tag(tag)
    if EmptyForm().validate_on_submit():
        if request.form.get("on") == "1":
            services.follow_tag(user_id=current_user.id, name=found.name)
        else:
            services.unfollow_tag(user_id=current_user.id, name=found.name)
    if is_htmx():
        following = queries.is_following(current_user.id, found.id)
        return render_page("feeds/tag.html", block="follow_tag", tag=found, following=following)
    return see_other(referrer_or(url_for("feeds.tag_page", tag=found.name)))
