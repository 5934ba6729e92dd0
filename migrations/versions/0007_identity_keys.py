"""identity keys: usernames and emails compared by a stored NFKC + casefold key

SQLite's lower() folds ASCII only, so ``ÄDÄx@example.com`` and ``ädäx@example.com`` were two
accounts there; neither database folded compatibility forms (fullwidth letters). The keys are
computed in Python by ``app.accounts.rules.identity_key`` (the function the app uses on every
write and lookup), filled here in batches, and made unique in place of the lower() indexes.

Revision ID: 0007_identity_keys
Revises: 0006
Create Date: 2026-12-01 10:00:00

"""

import os

import sqlalchemy as sa
from alembic import op

from app.accounts.rules import identity_key

revision = "0007_identity_keys"
down_revision = "0006"
branch_labels = None
depends_on = None

KEYS = (("username_key", "username", 30), ("email_key", "email", 254))
USERS = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("email", sa.String),
    sa.column("username_key", sa.String),
    sa.column("email_key", sa.String),
)
# SQLite cannot make an existing column NOT NULL without copying the table, and copying
# `users` with foreign keys on would cascade-delete every row that points at it. There the
# columns keep an empty default, and this trigger refuses rows written without their keys.
SQLITE_GUARD = (
    "CREATE TRIGGER users_identity_keys_required BEFORE INSERT ON users"
    " WHEN NEW.username_key = '' OR NEW.email_key = ''"
    " BEGIN SELECT RAISE(ABORT, 'users.username_key and users.email_key must be set'); END"
)


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    existing = {column["name"] for column in sa.inspect(bind).get_columns("users")}
    for key, _source, length in KEYS:
        # A run stopped by the collision check leaves the columns on SQLite (no DDL rollback).
        if key not in existing:
            op.add_column(
                "users",
                sa.Column(key, sa.String(length), nullable=False, server_default=""),
            )
    too_long = _fill_keys(bind, int(os.environ.get("IDENTITY_KEYS_BATCH") or 1000))
    _refuse_collisions(bind, too_long)
    op.drop_index("uq_users_username_lower", table_name="users")
    op.drop_index("uq_users_email_lower", table_name="users")
    op.create_index("uq_users_username_key", "users", ["username_key"], unique=True)
    op.create_index("uq_users_email_key", "users", ["email_key"], unique=True)
    if sqlite:
        op.execute(SQLITE_GUARD)
    else:
        for key, _source, _length in KEYS:
            op.alter_column("users", key, server_default=None)


def _fill_keys(bind, batch: int) -> list[str]:
    """Compute every account's keys in Python, a batch of rows at a time; return misfits."""
    limits = dict((key, length) for key, _source, length in KEYS)
    too_long: list[str] = []
    last = 0
    while True:
        rows = bind.execute(
            sa.select(USERS.c.id, USERS.c.username, USERS.c.email)
            .where(USERS.c.id > last)
            .order_by(USERS.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return too_long
        params = []
        for id_, username, email in rows:
            keys = {"username_key": identity_key(username), "email_key": identity_key(email)}
            misfits = [key for key, value in keys.items() if len(value) > limits[key]]
            if misfits:
                # PostgreSQL would refuse the write: report it with the collisions instead.
                too_long += [
                    f"#{id_} {username}: {key} longer than {limits[key]}" for key in misfits
                ]
                continue
            params.append(
                {"row_id": id_, "u_key": keys["username_key"], "e_key": keys["email_key"]}
            )
        if params:
            bind.execute(
                USERS.update()
                .where(USERS.c.id == sa.bindparam("row_id"))
                .values(username_key=sa.bindparam("u_key"), email_key=sa.bindparam("e_key")),
                params,
            )
        last = rows[-1][0]


def _refuse_collisions(bind, too_long: list[str]) -> None:
    """Stop, naming the accounts, when two share a key or a key does not fit its column."""
    problems = too_long[:20]
    for key, source, _length in KEYS:
        column = USERS.c[key]
        shared = (
            sa.select(column)
            .where(column != "")  # rows left unkeyed are reported as too long
            .group_by(column)
            .having(sa.func.count() > 1)
            .limit(20)
            .subquery()
        )
        rows = bind.execute(
            sa.select(column, USERS.c.id, USERS.c.username, USERS.c[source])
            .where(column.in_(sa.select(shared.c[key])))
            .order_by(column, USERS.c.id)
        ).all()
        groups: dict[str, list[str]] = {}
        for value, id_, username, original in rows:
            groups.setdefault(value, []).append(f"#{id_} {username} ({source} {original!r})")
        problems += [f"{key} {value!r}: " + ", ".join(names) for value, names in groups.items()]
    if problems:
        raise RuntimeError(
            "Cannot make usernames and emails unique by their folded form (NFKC + casefold): "
            "these accounts would be one account to sign-in, so give all but one of each group "
            "another username or email, then run the upgrade again.\n  " + "\n  ".join(problems)
        )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS users_identity_keys_required")
    op.drop_index("uq_users_email_key", table_name="users")
    op.drop_index("uq_users_username_key", table_name="users")
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.drop_column("email_key")
        batch_op.drop_column("username_key")
