"""Generate a realistic social graph and its activity, in bulk, in one transaction."""

from __future__ import annotations

import bisect
import itertools
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.accounts.queries import resolve_usernames
from app.accounts.rules import identity_key
from app.extensions import db
from app.posts.models import REACTION_KINDS
from app.seed import DEMO_PASSWORD
from app.seeding import content
from app.seeding.writer import BulkWriter
from app.timeutil import utcnow

BENCH_READER = "bench_reader"
BENCH_READER_FOLLOWS = 500

POST_WINDOW_DAYS = 180
# Ages of posts decay exponentially: about 10 % of them fall in the last week.
POST_AGE_SCALE_DAYS = 60.0
TEMPLATE_COUNT = 600
COMMENT_TEMPLATE_COUNT = 150
CHUNK = 20_000
# Each post names a project from this many made-up words, a few common, most rare.
PROJECT_WORDS = 50_000

# How many tags a post carries (0 to 5).
TAG_COUNT_WEIGHTS = (0.12, 0.22, 0.28, 0.2, 0.11, 0.07)
REACTION_WEIGHTS = (0.62, 0.12, 0.08, 0.11, 0.07)  # in REACTION_KINDS order: like first
NOTIFICATION_READ_AFTER = timedelta(days=3)

FIRST = (
    "alex", "sam", "jo", "kim", "lee", "max", "ria", "noa", "eli", "ivy", "zoe", "kai", "mia",
    "leo", "ava", "ben", "cam", "dan", "eva", "fay", "gus", "hal", "ida", "jay", "kat", "liv",
    "mo", "nia", "oli", "pia", "raj", "sia", "tom", "uma", "vic", "wen", "xin", "yui", "zak",
)  # fmt: skip
LAST = (
    "dev", "codes", "hacks", "ops", "stack", "byte", "rust", "py", "go", "js", "sql", "ml",
    "bits", "loop", "null", "heap", "node", "lambda", "shell", "kernel", "cloud", "data",
)  # fmt: skip
BIOS = (
    "Backend engineer. Databases, queues and the occasional outage.",
    "Frontend and accessibility. Coffee-driven development.",
    "SRE. I read postmortems for fun.",
    "Learning Rust one borrow at a time.",
    "Data engineer; pipelines, SQL and more SQL.",
    "Indie hacker shipping small tools.",
    "Open source maintainer. Please read the contributing guide.",
    "Student. Asking lots of questions.",
    "",
    "",
)
LOCATIONS = ("Berlin", "Lagos", "Lisbon", "Toronto", "Bangalore", "Austin", "Tokyo", "", "", "")

USER_COLUMNS = (
    "id", "username", "username_key", "email", "email_key", "password_hash", "display_name",
    "bio", "location", "website", "avatar_url", "role", "suspended", "dm_policy",
    "followers_count", "following_count", "posts_count", "created_at", "last_seen_at",
    "email_verified_at",
)  # fmt: skip
POST_COLUMNS = (
    "id", "author_id", "body", "body_html", "body_text", "tags_text", "created_at", "edited_at",
    "comments_count", "reactions_count", "like_count", "love_count", "laugh_count",
    "insightful_count", "celebrate_count",
)  # fmt: skip
COMMENT_COLUMNS = (
    "id", "post_id", "author_id", "parent_id", "body", "body_html", "created_at", "edited_at",
    "deleted_at",
)  # fmt: skip
# What a batch of posts writes to; their keys and indexes are rebuilt after a big load.
POST_TABLES = ("posts", "post_tags", "comments", "reactions", "mentions", "notifications")
NOTIFICATION_COLUMNS = (
    "id", "user_id", "type", "actor_id", "post_id", "comment_id", "conversation_id", "created_at",
    "read_at",
)  # fmt: skip

Progress = Callable[[str, int], AbstractContextManager[Callable[[int], object]]]


def no_progress(label: str, total: int) -> AbstractContextManager[Callable[[int], object]]:
    """Report nothing."""
    return nullcontext(lambda _n: None)


@dataclass
class SeedReport:
    """How many rows of each kind were written, and how long it took."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, table: str, count: int) -> None:
        """Count rows written to a table."""
        self.rows[table] = self.rows.get(table, 0) + count


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None) if value.tzinfo else value


def _zipf_cum_weights(count: int, exponent: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, count + 1)))


def seed_world(
    *,
    users: int,
    posts: int,
    random_seed: int = 42,
    progress: Progress = no_progress,
    analyze: bool = True,
) -> SeedReport:
    """Add ``users`` people (with follows) and ``posts`` posts (with tags, reactions, comments)."""
    started = time.monotonic()
    rng = random.Random(random_seed)
    now = _naive(utcnow())
    writer = BulkWriter(db.session.connection())
    if writer.postgresql:
        # Nothing is lost if the machine dies during a seed: it is simply run again.
        writer.execute("SET LOCAL synchronous_commit = off")
    report = SeedReport()
    if users:
        new_ids = _write_users(writer, rng, users, now, progress, report)
        _write_follows(writer, rng, new_ids, now, progress, report)
        writer.update_counters(["users.followers_count", "users.following_count"])
    if posts:
        _write_posts(writer, rng, posts, now, progress, report)
        writer.update_counters(["users.posts_count", "tags.posts_count"])
    writer.fix_sequences()
    db.session.commit()
    if analyze and writer.postgresql and (users or posts):
        with progress("Analyze", 1) as step:
            _analyze()
            step(1)
    report.seconds = time.monotonic() - started
    return report


def _analyze() -> None:
    """Refresh the planner's statistics (and the visibility map) after a bulk load."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(
            "VACUUM (ANALYZE) users, follows, tags, posts, post_tags, comments, reactions,"
            " mentions, notifications, bookmarks"
        )


# --- users and follows -------------------------------------------------------------------


def _write_users(
    writer: BulkWriter,
    rng: random.Random,
    count: int,
    now: datetime,
    progress: Progress,
    report: SeedReport,
) -> list[int]:
    """Insert ``count`` people, the bench reader first when missing; return their ids."""
    start = writer.next_id("users")
    password_hash = hash_password(DEMO_PASSWORD)
    has_reader = db.session.scalar(
        select(func.count()).select_from(User).where(User.username_key == BENCH_READER)
    )

    def rows() -> Iterator[tuple[object, ...]]:
        for user_id in range(start, start + count):
            if user_id == start and not has_reader:
                username, name = BENCH_READER, "Bench Reader"
                joined = now - timedelta(days=700)
            else:
                first, last = rng.choice(FIRST), rng.choice(LAST)
                username = f"{first}_{last}{user_id}"
                name = f"{first.title()} {last.title()}"
                joined = now - timedelta(days=rng.uniform(1, 1000), seconds=rng.uniform(0, 86400))
            seen = now - timedelta(hours=rng.expovariate(1 / 48)) if rng.random() < 0.7 else None
            email = f"{username}@example.com"
            # COPY and multi-row INSERT bypass the model: fill the keys it would have.
            yield (
                user_id, username, identity_key(username), email, identity_key(email),
                password_hash, name,
                rng.choice(BIOS), rng.choice(LOCATIONS), "", "", "user", False, "everyone",
                0, 0, 0, joined, seen, joined,
            )  # fmt: skip
            if (user_id - start) % 1000 == 999:
                step(1000)
        step(count % 1000)

    with progress("Users", count) as step:
        report.add("users", writer.write("users", USER_COLUMNS, rows()))
    return list(range(start, start + count))


def _all_users() -> tuple[list[int], list[datetime], list[int], list[str]]:
    """Return every active user's id, join time, follower count and name, by id."""
    rows = db.session.execute(
        select(User.id, User.created_at, User.followers_count, User.username)
        .where(User.suspended.is_(False))
        .order_by(User.id)
    ).all()
    return (
        [r[0] for r in rows],
        [_naive(r[1]) for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
    )


def _write_follows(
    writer: BulkWriter,
    rng: random.Random,
    new_ids: list[int],
    now: datetime,
    progress: Progress,
    report: SeedReport,
) -> None:
    """Make each new person follow 10 to 200 others (a few up to 1,000), popular ones first."""
    ids, joined, _followers, names = _all_users()
    if len(ids) < 2:
        return
    index = {user_id: i for i, user_id in enumerate(ids)}
    # Popularity is a Zipf draw over a random order of everyone: a handful of accounts end up
    # followed by a third of the network, most by a few dozen people.
    order = list(range(len(ids)))
    rng.shuffle(order)
    famous_cum = _zipf_cum_weights(len(ids), 0.8)
    reader = next((ids[i] for i, n in enumerate(names) if n.lower() == BENCH_READER), None)

    def followees(i: int, want: int) -> list[int]:
        chosen: set[int] = set()
        while len(chosen) < want:
            need = want - len(chosen)
            famous = rng.choices(order, cum_weights=famous_cum, k=need)
            for pick in famous:
                j = pick if rng.random() < 0.6 else rng.randrange(len(ids))
                if j != i:
                    chosen.add(j)
        return list(chosen)[:want]

    def rows() -> Iterator[tuple[object, ...]]:
        for n, follower in enumerate(new_ids):
            i = index[follower]
            if follower == reader:
                want = min(BENCH_READER_FOLLOWS, len(ids) - 1)
            else:
                want = min(len(ids) - 1, max(1, min(1000, int(rng.lognormvariate(3.4, 0.8)))))
            for j in followees(i, want):
                since = max(joined[i], joined[j])
                span = max((now - since).total_seconds(), 1.0)
                yield follower, ids[j], since + timedelta(seconds=rng.uniform(0, span))
            if n % 1000 == 999:
                step(1000)
        step(len(new_ids) % 1000)

    planned = len(new_ids) * 40
    with (
        progress("Follows", len(new_ids)) as step,
        writer.bulk_load(["follows"], new_rows=planned, existing_rows=writer.count("follows")),
    ):
        columns = ("follower_id", "followee_id", "created_at")
        report.add("follows", writer.write("follows", columns, rows()))


# --- posts and what hangs off them -----------------------------------------------------------


@dataclass
class _Ids:
    """The next free id of each table the generator numbers itself."""

    post: int
    comment: int
    mention: int
    notification: int


@dataclass
class _Chunk:
    """Rows of one batch of posts, written table by table (parents first)."""

    now: datetime
    posts: list[tuple[object, ...]] = field(default_factory=list)
    post_tags: list[tuple[object, ...]] = field(default_factory=list)
    comments: list[tuple[object, ...]] = field(default_factory=list)
    reactions: list[tuple[object, ...]] = field(default_factory=list)
    mentions: list[tuple[object, ...]] = field(default_factory=list)
    notifications: list[tuple[object, ...]] = field(default_factory=list)

    def write(self, writer: BulkWriter, report: SeedReport) -> None:
        """Write every table of this batch."""
        report.add("posts", writer.write("posts", POST_COLUMNS, self.posts))
        report.add(
            "post_tags",
            writer.write("post_tags", ("post_id", "tag_id", "post_created_at"), self.post_tags),
        )
        report.add("comments", writer.write("comments", COMMENT_COLUMNS, self.comments))
        report.add(
            "reactions",
            writer.write("reactions", ("post_id", "user_id", "kind", "created_at"), self.reactions),
        )
        report.add(
            "mentions",
            writer.write(
                "mentions", ("id", "user_id", "post_id", "comment_id", "created_at"), self.mentions
            ),
        )
        report.add(
            "notifications", writer.write("notifications", NOTIFICATION_COLUMNS, self.notifications)
        )


def _ensure_tags(writer: BulkWriter, names: Sequence[str], now: datetime) -> dict[str, int]:
    """Create the tags that do not exist yet; return every name's id."""
    from app.posts.models import Tag

    existing = dict(db.session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(names))).all())
    start = writer.next_id("tags")
    missing = [name for name in dict.fromkeys(names) if name not in existing]
    rows = [(start + n, name, 0, now) for n, name in enumerate(missing)]
    writer.write("tags", ("id", "name", "posts_count", "created_at"), rows)
    existing.update({name: tag_id for tag_id, name, _, _ in rows})
    return existing


def _post_times(rng: random.Random, count: int, now: datetime) -> list[datetime]:
    """Draw post times over the window, more of them recent and in the daytime, oldest first."""
    limit = 1 - math.exp(-POST_WINDOW_DAYS / POST_AGE_SCALE_DAYS)
    seconds: list[float] = []
    while len(seconds) < count:
        age_days = -POST_AGE_SCALE_DAYS * math.log(1 - rng.random() * limit)
        moment = now - timedelta(days=age_days)
        # A daily rhythm: fewer posts at night (UTC), none rejected outright.
        hour = moment.hour + moment.minute / 60
        if rng.random() < 0.35 + 0.65 * math.sin(math.pi * hour / 24) ** 2:
            seconds.append(age_days * 86400)
    seconds.sort(reverse=True)
    return [now - timedelta(seconds=s) for s in seconds]


def _write_posts(
    writer: BulkWriter,
    rng: random.Random,
    count: int,
    now: datetime,
    progress: Progress,
    report: SeedReport,
) -> None:
    """Write ``count`` posts by existing people, with tags, reactions, comments and mentions."""
    factory = _PostFactory(writer, rng, now)
    times = _post_times(rng, count, now)
    first_post = factory.next_ids.post
    existing = writer.count("posts")
    with (
        progress("Posts", count) as step,
        writer.bulk_load(POST_TABLES, new_rows=count, existing_rows=existing),
    ):
        # PostgreSQL works on one batch (in its own process) while Python makes the next one;
        # only one thread uses the connection at a time. SQLite connections stay in one thread.
        background = writer.postgresql
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending: Future[None] | None = None
            for offset in range(0, count, CHUNK):
                chunk = _Chunk(now)
                for moment in times[offset : offset + CHUNK]:
                    factory.add_post(chunk, moment)
                if pending is not None:
                    pending.result()
                    step(CHUNK)
                if background:
                    pending = pool.submit(chunk.write, writer, report)
                else:
                    chunk.write(writer, report)
                    step(len(chunk.posts))
            if pending is not None:
                pending.result()
                step(len(chunk.posts))
    _write_reader_bookmarks(writer, rng, first_post, factory.next_ids.post, now, report)


def _pick(rng: random.Random, cum_weights: list[float]) -> int:
    """Return an index drawn with the given cumulative weights."""
    return min(bisect.bisect(cum_weights, rng.random() * cum_weights[-1]), len(cum_weights) - 1)


class _PostFactory:
    """Make posts and their reactions, comments, mentions and notifications."""

    def __init__(self, writer: BulkWriter, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.ids, self.joined, self.followers, names = _all_users()
        if not self.ids:
            raise ValueError("There are no users to write posts: seed some users first.")
        # Popular people post more, with plenty of individual variation.
        self.author_cum = list(
            itertools.accumulate(
                math.sqrt(f + 1) * rng.lognormvariate(0, 1) for f in self.followers
            )
        )
        self.median_followers = sorted(self.followers)[len(self.followers) // 2]
        famous = sorted(range(len(self.ids)), key=self.followers.__getitem__, reverse=True)[:40]
        self.templates = content.post_templates(
            rng, TEMPLATE_COUNT, [names[i] for i in famous], resolve_usernames
        )
        self.comment_templates = content.comment_templates(rng, COMMENT_TEMPLATE_COUNT)
        mentioned = {name for t in self.templates for name in t.mentions}
        self.name_to_id = dict(
            db.session.execute(
                select(User.username, User.id).where(User.username.in_(mentioned))
            ).all()
        )
        wanted_tags = [*content.TAGS, *(lang for lang, _ in content.CODE.values())]
        wanted_tags += [tag for t in self.templates for tag in t.tags]
        self.tag_ids = _ensure_tags(writer, wanted_tags, now)
        self.tag_names = {tag_id: name for name, tag_id in self.tag_ids.items()}
        self.vocabulary = [self.tag_ids[name] for name in content.TAGS]
        self.tag_cum = _zipf_cum_weights(len(self.vocabulary), 1.05)
        self.words = content.project_words(PROJECT_WORDS)
        self.word_cum = _zipf_cum_weights(len(self.words), 1.0)
        self.tag_count_cum = list(itertools.accumulate(TAG_COUNT_WEIGHTS))
        self.kind_cum = list(itertools.accumulate(REACTION_WEIGHTS))
        self.next_ids = _Ids(
            post=writer.next_id("posts"),
            comment=writer.next_id("comments"),
            mention=writer.next_id("mentions"),
            notification=writer.next_id("notifications"),
        )

    def _author(self, moment: datetime) -> tuple[int, datetime]:
        """Draw an author who had joined by ``moment`` (else move the post after they joined)."""
        for _ in range(20):
            a = _pick(self.rng, self.author_cum)
            if self.joined[a] <= moment:
                return a, moment
        return a, self.joined[a] + (self.now - self.joined[a]) * self.rng.random()

    def _tags(self, template: content.Template) -> list[int]:
        """Return the body's own hashtags, often its code's language, then Zipf draws."""
        names = list(template.tags[:5])
        wanted = max(len(names), _pick(self.rng, self.tag_count_cum))
        if template.language_tag and len(names) < wanted and self.rng.random() < 0.6:
            names.append(template.language_tag)
        tag_ids = list(dict.fromkeys(self.tag_ids[name] for name in names))
        for _ in range(20):
            if len(tag_ids) >= wanted:
                break
            tag_id = self.vocabulary[_pick(self.rng, self.tag_cum)]
            if tag_id not in tag_ids:
                tag_ids.append(tag_id)
        return tag_ids

    def add_post(self, chunk: _Chunk, moment: datetime) -> None:
        """Add one post and everything that hangs off it to the chunk."""
        rng, now, next_ids = self.rng, self.now, self.next_ids
        a, moment = self._author(moment)
        author = self.ids[a]
        post_id = next_ids.post
        next_ids.post += 1
        template = self.templates[rng.randrange(len(self.templates))]
        tag_ids = self._tags(template)
        chunk.post_tags.extend((post_id, tag_id, moment) for tag_id in tag_ids)

        age_hours = (now - moment).total_seconds() / 3600
        reach = ((self.followers[a] + 1) / (self.median_followers + 1)) ** 0.3
        young = min(1.0, (age_hours + 1) / 24)
        kinds = self._reactions(chunk, post_id, author, moment, reach * young)
        comments = self._comments(chunk, post_id, author, moment, reach, young)
        for name in template.mentions:
            user_id = self.name_to_id.get(name)
            if user_id is None or user_id == author:
                continue
            chunk.mentions.append((next_ids.mention, user_id, post_id, None, moment))
            next_ids.mention += 1
            _notify(chunk, next_ids, user_id, "mention", author, post_id, None, moment)

        edited = moment + timedelta(minutes=rng.uniform(1, 90)) if rng.random() < 0.03 else None
        body, html, plain = template.with_word(self.words[_pick(rng, self.word_cum)])
        chunk.posts.append(
            (post_id, author, body, html, plain,
             " ".join(self.tag_names[t] for t in tag_ids), moment,
             min(edited, now) if edited else None, comments, sum(kinds), *kinds)
        )  # fmt: skip

    def _reactions(
        self, chunk: _Chunk, post_id: int, author: int, moment: datetime, weight: float
    ) -> list[int]:
        """Add reactions (skewed to "like", more for popular authors); return counts per kind."""
        rng, ids = self.rng, self.ids
        kinds = [0] * len(REACTION_KINDS)
        if rng.random() >= 0.45:
            return kinds
        n = min(300, len(ids) - 1, int(rng.paretovariate(1.4) * weight))
        pairs: set[tuple[int, int]] = set()
        for _ in range(n * 2):
            if len(pairs) >= n:
                break
            reactor = ids[rng.randrange(len(ids))]
            if reactor != author:
                pairs.add((reactor, _pick(rng, self.kind_cum)))
        for reactor, kind in pairs:
            at = min(self.now, moment + timedelta(hours=rng.expovariate(1 / 3)))
            chunk.reactions.append((post_id, reactor, REACTION_KINDS[kind], at))
            kinds[kind] += 1
        return kinds

    def _comments(
        self,
        chunk: _Chunk,
        post_id: int,
        author: int,
        moment: datetime,
        reach: float,
        young: float,
    ) -> int:
        """Add comments, some replying to an earlier one, and their notifications."""
        rng, ids, next_ids, now = self.rng, self.ids, self.next_ids, self.now
        if rng.random() >= 0.12 * min(2.0, reach):
            return 0
        n = min(60, int(rng.paretovariate(1.6) * young) or 1)
        at = moment
        thread: list[tuple[int, int]] = []  # (comment id, its author)
        for j in range(n):
            commenter = author if j and rng.random() < 0.15 else ids[rng.randrange(len(ids))]
            parent = thread[rng.randrange(j)] if j and rng.random() < 0.35 else None
            at = min(now, at + timedelta(hours=rng.expovariate(1 / 2)))
            comment_id = next_ids.comment
            next_ids.comment += 1
            body = self.comment_templates[rng.randrange(len(self.comment_templates))]
            chunk.comments.append(
                (comment_id, post_id, commenter, parent[0] if parent else None, body.body,
                 body.html, at, None, None)
            )  # fmt: skip
            told = {commenter}
            if parent and parent[1] not in told:
                _notify(chunk, next_ids, parent[1], "reply", commenter, post_id, comment_id, at)
                told.add(parent[1])
            if author not in told:
                _notify(chunk, next_ids, author, "comment", commenter, post_id, comment_id, at)
            thread.append((comment_id, commenter))
        return n


def _notify(
    chunk: _Chunk,
    next_ids: _Ids,
    user_id: int,
    kind: str,
    actor_id: int,
    post_id: int,
    comment_id: int | None,
    at: datetime,
) -> None:
    """Add a notification; the older ones were read an hour after they came."""
    read_at = at + timedelta(hours=1) if chunk.now - at > NOTIFICATION_READ_AFTER else None
    chunk.notifications.append(
        (next_ids.notification, user_id, kind, actor_id, post_id, comment_id, None, at, read_at)
    )
    next_ids.notification += 1


def _write_reader_bookmarks(
    writer: BulkWriter,
    rng: random.Random,
    first_post: int,
    end_post: int,
    now: datetime,
    report: SeedReport,
) -> None:
    """Give the bench reader some saved posts, so the per-viewer lookups find something."""
    reader = db.session.scalar(select(User.id).where(User.username_key == BENCH_READER))
    if reader is None or end_post <= first_post:
        return
    picks = rng.sample(range(first_post, end_post), min(60, end_post - first_post))
    rows = [(reader, post_id, now - timedelta(seconds=n)) for n, post_id in enumerate(picks)]
    report.add("bookmarks", writer.write("bookmarks", ("user_id", "post_id", "created_at"), rows))
