"""Demo and generated data."""

from __future__ import annotations

import random
from collections.abc import Callable

from sqlalchemy import func, insert, select

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.extensions import db
from app.timeutil import utcnow

DEMO_LOGIN = "ada"
DEMO_PASSWORD = "devthread-demo"

DEMO_USERS = [
    (
        "ada",
        "Ada Lovelace",
        "admin",
        "Writing the first programs. Analytical engines, notes, poetry of numbers.",
        "London",
    ),
    (
        "grace",
        "Grace Hopper",
        "moderator",
        "Compilers, COBOL, and finding the first actual bug.",
        "Arlington, VA",
    ),
    (
        "linus",
        "Linus T.",
        "user",
        "Kernels and version control. Talk is cheap; show me the code.",
        "Portland, OR",
    ),
    (
        "margaret",
        "Margaret Hamilton",
        "user",
        "Software engineering for Apollo. Error handling is a feature.",
        "Boston, MA",
    ),
    ("guido", "Guido", "user", "Readability counts. Python since 1989.", "Amsterdam"),
    (
        "barbara",
        "Barbara Liskov",
        "user",
        "Abstraction, subtypes, distributed systems.",
        "Cambridge, MA",
    ),
]

FIRST = [
    "alex",
    "sam",
    "jo",
    "kim",
    "lee",
    "max",
    "ria",
    "noa",
    "eli",
    "ivy",
    "zoe",
    "kai",
    "mia",
    "leo",
    "ava",
]
LAST = ["dev", "codes", "hacks", "ops", "stack", "byte", "rust", "py", "go", "js", "sql", "ml"]


def seed_demo() -> bool:
    """Create the demo accounts unless they exist; return whether anything was created."""
    existing = set(db.session.scalars(select(func.lower(User.username))))
    password_hash = hash_password(DEMO_PASSWORD)
    created = False
    for username, name, role, bio, location in DEMO_USERS:
        if username in existing:
            continue
        db.session.add(
            User(
                username=username,
                email=f"{username}@example.com",
                password_hash=password_hash,
                display_name=name,
                role=role,
                bio=bio,
                location=location,
            )
        )
        created = True
    db.session.commit()
    return created


def seed_users(
    count: int, *, random_seed: int = 42, progress: Callable[[int], object] | None = None
) -> int:
    """Insert ``count`` generated users in batches; they all share the demo password."""
    rng = random.Random(random_seed)
    password_hash = hash_password(DEMO_PASSWORD)
    start = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    batch: list[dict[str, object]] = []
    now = utcnow()
    for n in range(start, start + count):
        username = f"{rng.choice(FIRST)}_{rng.choice(LAST)}_{n}"
        batch.append(
            {
                "username": username,
                "email": f"{username}@example.com",
                "password_hash": password_hash,
                "display_name": username.replace("_", " ").title(),
                "bio": "",
                "location": "",
                "website": "",
                "avatar_url": "",
                "role": "user",
                "suspended": False,
                "dm_policy": "everyone",
                "session_version": 1,
                "created_at": now,
            }
        )
        if len(batch) == 5000:
            db.session.execute(insert(User), batch)
            db.session.commit()
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        db.session.execute(insert(User), batch)
        db.session.commit()
        if progress:
            progress(len(batch))
    return count
