"""Search reads: ranks that depend on the post alone, so cursors stay exact on both databases."""

from __future__ import annotations

from app.accounts.models import User
from app.extensions import db
from app.posts import services
from app.search import queries
from tests.conftest import make_user


def ranked(raw: str, limit: int = 100) -> list[int]:
    """Walk every page of a post search and return the ids in order."""
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        page = queries.search_posts(raw, limit=limit, cursor=cursor, viewer=None)
        seen += [view.post.id for view in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("the walk never ended")


def test_pages_of_equal_ranks_are_walked_one_by_one(app, ctx):
    author = db.session.get(User, make_user(app))
    ids = [services.create_post(author=author, body=f"same words {i}").id for i in range(5)]
    # Equal ranks leave only the id to order by: the cursor must equal the rank exactly.
    assert ranked("same words", limit=1) == list(reversed(ids))


def test_new_posts_do_not_move_a_cursor(app, ctx):
    author = db.session.get(User, make_user(app))
    for i in range(6):
        services.create_post(author=author, body="python " * (i % 3 + 1) + f"#n{i}")
    page = queries.search_posts("python", limit=3, cursor=None, viewer=None)
    first = [view.post.id for view in page.items]
    # Other posts change every table-wide statistic (bm25's); a rank of the post alone stays.
    for i in range(20):
        services.create_post(author=author, body=f"rust and go {i} " * 5)
    rest = queries.search_posts("python", limit=100, cursor=page.next_cursor, viewer=None)
    walked = first + [view.post.id for view in rest.items]
    assert walked == ranked("python")
    assert len(walked) == len(set(walked)) == 6


def test_matches_in_tags_and_repeated_words_rank_higher(app, ctx):
    author = db.session.get(User, make_user(app))
    once = services.create_post(author=author, body="a note on python").id
    twice = services.create_post(author=author, body="python, python").id
    tagged = services.create_post(author=author, body="python #python").id
    assert ranked("python") == [tagged, twice, once]
