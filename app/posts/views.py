"""Post pages: read, write, edit, delete, react, bookmark, comment."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.forms import EmptyForm, apply_errors
from app.admin import services as moderation
from app.errors import DomainError
from app.pagination import next_page_url, page_params
from app.posts import queries, services
from app.posts.diff import diff_html
from app.posts.forms import CommentForm, PostForm
from app.posts.models import REACTION_KINDS
from app.redirects import go, referrer_or, see_other
from app.web import is_htmx, render_page
from app.web_helpers import viewer

bp = Blueprint("posts", __name__)


def _view_or_404(post_id: int):
    view = queries.post_view(post_id, viewer())
    if view is None:
        abort(404)
    return view


def render_post_page(
    post_id: int, *, block: str | None = None, status: int = 200, found=None, **forms
):
    """Render the post page, or one of its blocks for htmx (``found``: the post, read already)."""
    user = viewer()
    found = found or queries.post_page(post_id, user)
    if found is None or found.view.post.draft:
        abort(404)
    view = found.view
    owner_or_staff = user is not None and (user.id == view.post.author_id or user.is_staff)
    edit_form = forms.get("edit_form")
    if edit_form is None and user is not None and user.id == view.post.author_id:
        # Only its author sees the edit form: nobody else pays for building it.
        post = view.post
        edit_form = PostForm(
            formdata=None, prefix="edit", body=post.body, tags=" ".join(post.tag_names)
        )
    return render_page(
        "posts/post.html",
        block=block,
        view=view,
        threads=queries.comment_threads(post_id, viewer=user, any_hidden=found.hidden_comments),
        # A form sent back with its text or errors; the empty one is kept (comment_form_for).
        comment_form=forms.get("comment_form"),
        # A comment edit that failed: (comment id, form with its messages).
        comment_edit=forms.get("comment_edit"),
        edit_form=edit_form,
        # Only its author and the moderators see the post's delete form.
        action_form=EmptyForm() if owner_or_staff else None,
    ), status


@bp.get("/p/<id:post_id>")
def show_post(post_id: int):
    """Show a post with its discussion (its author's draft opens in the draft editor)."""
    user = viewer()
    found = queries.post_page(post_id, user)
    if found is None:
        abort(404)
    if found.view.post.draft:
        if user is None or user.id != found.view.post.author_id:
            abort(404)
        return redirect(url_for("posts.edit_draft", post_id=post_id), code=303)
    return render_post_page(post_id, found=found)


@bp.post("/posts")
@login_required
def create_post():
    """Publish a post from the composer."""
    form = PostForm()
    if form.validate_on_submit():
        try:
            draft_id = form.draft_number()
            if draft_id is not None:
                # The composer autosaved a draft: that draft is what gets published.
                post = services.publish_post(
                    post_id=draft_id,
                    author=current_user,
                    body=form.body.data or "",
                    tags=form.tag_list(),
                )
            else:
                post = services.create_post(
                    author=current_user, body=form.body.data or "", tags=form.tag_list()
                )
        except DomainError as error:
            apply_errors(form, error)
        else:
            if is_htmx():
                view = queries.post_view(post.id, current_user)
                return render_page("posts/created.html", view=view, form=PostForm(formdata=None))
            return see_other(url_for("posts.show_post", post_id=post.id))
    response = render_page("posts/composer.html", form=form)
    headers = {"HX-Retarget": "#composer", "HX-Reswap": "outerHTML"} if is_htmx() else {}
    return response, 422, headers


@bp.post("/p/<id:post_id>/edit")
@login_required
def edit_post(post_id: int):
    """Save an edited post."""
    form = PostForm(prefix="edit")
    if form.validate_on_submit():
        try:
            services.edit_post(
                post_id=post_id,
                editor=current_user,
                body=form.body.data or "",
                tags=form.tag_list(),
            )
        except DomainError as error:
            if error.status in (403, 404):
                raise
            apply_errors(form, error)
        else:
            if is_htmx():
                return render_post_page(post_id, block="post")
            return see_other(url_for("posts.show_post", post_id=post_id))
    page, status = render_post_page(post_id, block="edit", status=422, edit_form=form)
    # The form aims at the whole post block (a saved edit returns it); errors replace only the
    # form, so the card stays and the messages sit next to their fields.
    headers = {"HX-Retarget": "#edit-form", "HX-Reswap": "outerHTML"} if is_htmx() else {}
    return page, status, headers


@bp.post("/p/<id:post_id>/delete")
@login_required
def delete_post(post_id: int):
    """Delete a post and go home (a draft: back to the drafts)."""
    post = queries.get_post(post_id)
    was_draft = post is not None and post.draft
    if EmptyForm().validate_on_submit():
        moderation.delete_post_as(
            actor=current_user, post_id=post_id, reason=request.form.get("reason")
        )
    return go(url_for("posts.drafts") if was_draft else url_for("feeds.home"))


@bp.post("/p/<id:post_id>/reactions/<kind>")
@login_required
def toggle_reaction(post_id: int, kind: str):
    """Add or remove a reaction; htmx gets the reaction bar back."""
    if kind not in REACTION_KINDS:
        abort(404)
    if EmptyForm().validate_on_submit():
        if request.form.get("on") == "1":
            services.react(post_id=post_id, user=current_user, kind=kind)
        else:
            services.unreact(post_id=post_id, user=current_user, kind=kind)
    if is_htmx():
        return render_page("posts/reactions.html", view=_view_or_404(post_id))
    return see_other(referrer_or(url_for("posts.show_post", post_id=post_id)))


@bp.post("/p/<id:post_id>/bookmark")
@login_required
def toggle_bookmark(post_id: int):
    """Save or forget a post; htmx gets the button back."""
    if EmptyForm().validate_on_submit():
        if request.form.get("on") == "1":
            services.bookmark(post_id=post_id, user=current_user)
        else:
            services.unbookmark(post_id=post_id, user=current_user)
    if is_htmx():
        return render_page("posts/bookmark.html", view=_view_or_404(post_id))
    return see_other(referrer_or(url_for("posts.show_post", post_id=post_id)))


@bp.post("/p/<id:post_id>/comments")
@login_required
def add_comment(post_id: int):
    """Comment on a post or reply to a comment."""
    form = CommentForm()
    if form.validate_on_submit():
        parent = form.parent_id.data
        try:
            comment = services.add_comment(
                post_id=post_id,
                author=current_user,
                body=form.body.data or "",
                parent_id=int(parent) if parent and parent.isdigit() else None,
            )
        except DomainError as error:
            if error.status == 404:
                raise
            apply_errors(form, error)
            if "parent_id" in error.fields:
                # The comment replied to is not shown (any more): say so above the thread.
                form.form_errors.extend(error.fields["parent_id"])
                form.parent_id.data = ""
        else:
            if is_htmx():
                return render_post_page(post_id, block="comments")
            target = url_for("posts.show_post", post_id=post_id, _anchor=f"comment-{comment.id}")
            return see_other(target)
    return render_post_page(post_id, block="comments", status=422, comment_form=form)


@bp.post("/c/<id:comment_id>/edit")
@login_required
def edit_comment(comment_id: int):
    """Save an edited comment."""
    comment = queries.get_comment(comment_id) or abort(404)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            services.edit_comment(
                comment_id=comment_id, editor=current_user, body=form.body.data or ""
            )
        except DomainError as error:
            if error.status in (403, 404):
                raise
            apply_errors(form, error)
            return render_post_page(
                comment.post_id, block="comments", status=422, comment_edit=(comment_id, form)
            )
    if is_htmx():
        return render_post_page(comment.post_id, block="comments")
    return see_other(
        url_for("posts.show_post", post_id=comment.post_id, _anchor=f"comment-{comment_id}")
    )


@bp.post("/c/<id:comment_id>/delete")
@login_required
def delete_comment(comment_id: int):
    """Delete a comment."""
    comment = queries.get_comment(comment_id) or abort(404)
    post_id = comment.post_id
    if EmptyForm().validate_on_submit():
        moderation.delete_comment_as(
            actor=current_user, comment_id=comment_id, reason=request.form.get("reason")
        )
    if is_htmx():
        return render_post_page(post_id, block="comments")
    return see_other(url_for("posts.show_post", post_id=post_id, _anchor="comments"))


@bp.get("/bookmarks")
@login_required
def bookmarks():
    """Show the posts you saved."""
    limit, cursor = page_params(20)
    page = queries.bookmarks_page(current_user, limit=limit, cursor=cursor)
    next_url = next_page_url("posts.bookmarks", page)
    return render_page(
        "posts/bookmarks.html", block="items" if cursor else None, page=page, next_url=next_url
    )


@bp.post("/p/<id:post_id>/pin")
@login_required
def toggle_pin(post_id: int):
    """Pin or unpin your post; htmx gets the card back."""
    status = 200
    if EmptyForm().validate_on_submit():
        try:
            if request.form.get("on") == "1":
                services.pin_post(post_id=post_id, author=current_user)
            else:
                services.unpin_post(post_id=post_id, author=current_user)
        except DomainError as error:
            if error.status != 409:
                raise
            status = 422
            flash(error.message, "error")
    if is_htmx():
        return render_page("posts/pinned.html", view=_view_or_404(post_id)), status
    return see_other(referrer_or(url_for("posts.show_post", post_id=post_id)))


@bp.get("/p/<id:post_id>/revisions")
def revisions(post_id: int):
    """Show a post's edit history, each version against the one that replaced it."""
    view = _view_or_404(post_id)
    limit, cursor = page_params(20)
    page = queries.revisions_page(post_id, limit=limit, cursor=cursor)
    newer = queries.newer_body(view.post, cursor)
    changes = []
    for revision in page.items:
        changes.append((revision, diff_html(revision.body, newer)))
        newer = revision.body
    next_url = next_page_url("posts.revisions", page, post_id=post_id)
    return render_page(
        "posts/revisions.html",
        block="items" if cursor else None,
        view=view,
        changes=changes,
        next_url=next_url,
    )


# --- drafts --------------------------------------------------------------------------------


@bp.get("/drafts")
@login_required
def drafts():
    """List your drafts, newest first."""
    limit, cursor = page_params(20)
    page = queries.drafts_page(current_user, limit=limit, cursor=cursor)
    next_url = next_page_url("posts.drafts", page)
    return render_page(
        "posts/drafts.html",
        block="items" if cursor else None,
        page=page,
        next_url=next_url,
        action_form=EmptyForm(),
    )


def _draft_saved(draft, form: PostForm | None = None, status: int = 200):
    """Answer an autosave: the status line's words (and the draft's id for the composer)."""
    return render_page("posts/draft_status.html", draft=draft, form=form), status


@bp.post("/drafts")
@login_required
def save_draft():
    """Keep the composer's words as a draft: its "Save draft" button and its autosave."""
    form = PostForm()
    if form.validate_on_submit():
        try:
            draft = services.save_draft(
                author=current_user,
                body=form.body.data or "",
                tags=form.tag_list(),
                draft_id=form.draft_number(),
            )
        except DomainError as error:
            if error.status in (403, 404):
                raise
            apply_errors(form, error)
        else:
            if is_htmx():
                return _draft_saved(draft)
            flash(_("Draft saved."), "success")
            return see_other(url_for("posts.edit_draft", post_id=draft.id))
    if is_htmx():
        return _draft_saved(None, form, 422)
    return render_page("posts/draft.html", form=form, draft=None), 422


def _own_draft_or_404(post_id: int):
    view = queries.post_view(post_id, current_user, drafts=True)
    if view is None or not view.post.draft:
        abort(404)
    return view.post


@bp.get("/drafts/<id:post_id>")
@login_required
def edit_draft(post_id: int):
    """Show one of your drafts in its editor."""
    draft = _own_draft_or_404(post_id)
    form = PostForm(formdata=None, body=draft.body, tags=" ".join(draft.tag_names))
    return render_page("posts/draft.html", form=form, draft=draft)


@bp.post("/drafts/<id:post_id>")
@login_required
def update_draft(post_id: int):
    """Save new words for a draft (its "Save draft" button and its autosave)."""
    draft = _own_draft_or_404(post_id)
    form = PostForm()
    if form.validate_on_submit():
        try:
            draft = services.save_draft(
                author=current_user,
                body=form.body.data or "",
                tags=form.tag_list(),
                draft_id=post_id,
            )
        except DomainError as error:
            if error.status in (403, 404):
                raise
            apply_errors(form, error)
        else:
            if is_htmx():
                return _draft_saved(draft)
            flash(_("Draft saved."), "success")
            return see_other(url_for("posts.edit_draft", post_id=post_id))
    if is_htmx():
        return _draft_saved(None, form, 422)
    return render_page("posts/draft.html", form=form, draft=draft), 422


@bp.post("/drafts/<id:post_id>/publish")
@login_required
def publish_draft(post_id: int):
    """Publish a draft (with the editor's last words, when it sends them)."""
    draft = _own_draft_or_404(post_id)
    form = PostForm()
    if form.validate_on_submit():
        try:
            # The drafts list's button sends no words: the draft goes out as saved.
            sent = "body" in request.form
            services.publish_post(
                post_id=post_id,
                author=current_user,
                body=(form.body.data or "") if sent else None,
                tags=form.tag_list() if sent else None,
            )
        except DomainError as error:
            if error.status in (403, 404):
                raise
            apply_errors(form, error)
        else:
            return go(url_for("posts.show_post", post_id=post_id))
    if "body" not in request.form:
        form.body.data, form.tags.data = draft.body, " ".join(draft.tag_names)
    return render_page("posts/draft.html", form=form, draft=draft), 422
