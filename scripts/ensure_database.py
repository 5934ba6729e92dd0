"""Create the PostgreSQL database named by DATABASE_URL when it does not exist yet."""

from __future__ import annotations

import os
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def main() -> int:
    """Create the database if needed; do nothing for SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql")):
        return 0
    target = make_url(url.replace("postgres://", "postgresql+psycopg://", 1))
    if target.drivername == "postgresql":
        target = target.set(drivername="postgresql+psycopg")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
            print(f"Created database {target.database}.")
    admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
