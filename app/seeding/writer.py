"""Bulk writes for generated data: COPY on PostgreSQL, multi-row INSERT on SQLite."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

# Tables whose ids the generator assigns itself (so rows can point at each other without
# reading ids back); PostgreSQL's sequences are moved past them at the end.
ID_TABLES = ("users", "tags", "posts", "comments", "mentions", "notifications")

# Counters kept by the services on every write, recomputed here from the rows in one
# set-based statement each. The `<>` keeps rows that are already right untouched.
COUNTER_UPDATES = {
    "users.posts_count": (
        "UPDATE users SET posts_count = c.n FROM"
        " (SELECT author_id AS id, count(*) AS n FROM posts GROUP BY author_id) AS c"
        " WHERE users.id = c.id AND users.posts_count <> c.n"
    ),
    "users.followers_count": (
        "UPDATE users SET followers_count = c.n FROM"
        " (SELECT followee_id AS id, count(*) AS n FROM follows GROUP BY followee_id) AS c"
        " WHERE users.id = c.id AND users.followers_count <> c.n"
    ),
    "users.following_count": (
        "UPDATE users SET following_count = c.n FROM"
        " (SELECT follower_id AS id, count(*) AS n FROM follows GROUP BY follower_id) AS c"
        " WHERE users.id = c.id AND users.following_count <> c.n"
    ),
    "tags.posts_count": (
        "UPDATE tags SET posts_count = c.n FROM"
        " (SELECT tag_id AS id, count(*) AS n FROM post_tags GROUP BY tag_id) AS c"
        " WHERE tags.id = c.id AND tags.posts_count <> c.n"
    ),
}


def _sqlite_value(value: Any) -> Any:
    # The format SQLAlchemy's DateTime writes on SQLite (always with microseconds), so that
    # comparisons between seeded and service-written rows stay in order.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


class BulkWriter:
    """Write many rows at once inside the caller's transaction."""

    def __init__(self, connection: Connection, batch_size: int = 5000) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.batch_size = batch_size

    @property
    def postgresql(self) -> bool:
        """Tell whether the database is PostgreSQL."""
        return self.dialect == "postgresql"

    def next_id(self, table: str) -> int:
        """Return the first id free after the table's largest."""
        return int(self.connection.scalar(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")))

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert the rows (naive UTC datetimes) into ``table``; return how many."""
        if self.postgresql:
            return self._copy(table, columns, rows)
        return self._insert_many(table, columns, rows)

    def _copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        raw = self.connection.connection.driver_connection
        count = 0
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def _insert_many(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        statement = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        )
        count = 0
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(tuple(_sqlite_value(v) for v in row))
            if len(batch) >= self.batch_size:
                self.connection.exec_driver_sql(statement, batch)
                count += len(batch)
                batch = []
        if batch:
            self.connection.exec_driver_sql(statement, batch)
            count += len(batch)
        return count

    def execute(self, sql: str, **params: Any) -> int:
        """Run one statement; return the number of rows it changed."""
        return self.connection.execute(text(sql), params).rowcount

    def update_counters(self, names: Iterable[str] = COUNTER_UPDATES) -> dict[str, int]:
        """Recompute the named counters from the rows; return how many rows each changed."""
        return {name: self.execute(COUNTER_UPDATES[name]) for name in names}

    def count(self, table: str) -> int:
        """Return how many rows a table holds."""
        return int(self.connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0)

    @contextmanager
    def bulk_load(
        self, tables: Sequence[str], *, new_rows: int, existing_rows: int
    ) -> Iterator[None]:
        """Load into ``tables`` without their foreign keys and secondary indexes, then rebuild them.

        Checking a foreign key costs a query per row and each index an insertion per row;
        building an index or validating a key once over the whole table is several times
        faster. Only on PostgreSQL, only when the load at least doubles the tables, and inside
        the caller's transaction, so a failed seed leaves the schema as it was.
        """
        if not self.postgresql or new_rows < max(existing_rows, 1):
            yield
            return
        names = list(tables)
        keys = self.connection.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
                " FROM pg_constraint WHERE contype = 'f'"
                " AND conrelid::regclass::text = ANY(:names) ORDER BY conname"
            ),
            {"names": names},
        ).all()
        indexes = self.connection.execute(
            text(
                "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
                " JOIN pg_class c ON c.oid = x.indexrelid"
                " WHERE x.indrelid::regclass::text = ANY(:names)"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)"
                " ORDER BY c.relname"
            ),
            {"names": names},
        ).all()
        for table, name, _definition in keys:
            self.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            self.execute(f'DROP INDEX "{name}"')
        yield
        # Building indexes sorts in memory; the default 64 MB spills a million rows to disk.
        self.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            self.execute(definition)
        for table, name, definition in keys:
            self.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

    def fix_sequences(self) -> None:
        """Move PostgreSQL's id sequences past the ids written explicitly."""
        if not self.postgresql:
            return  # SQLite's INTEGER PRIMARY KEY continues after max(id) by itself.
        for table in ID_TABLES:
            self.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
