"""Demo data: a few well-known accounts (generated data at scale lives in app.seeding)."""

from __future__ import annotations

from sqlalchemy import select

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


def seed_demo() -> bool:
    """Create the demo accounts unless they exist; return whether anything was created."""
    existing = set(db.session.scalars(select(User.username_key)))
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
                # The demo's people are verified: they post with REQUIRE_VERIFIED_EMAIL on too.
                email_verified_at=utcnow(),
            )
        )
        created = True
    db.session.commit()
    return created
