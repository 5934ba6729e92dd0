#!/usr/bin/env bash
# Back up DevThread's database into one file, while the app keeps running.
#
#   scripts/backup.sh [OUTPUT]
#
# DATABASE_URL names the database as it does for the app (unset: the embedded SQLite file
# instance/devthread.sqlite). PostgreSQL: pg_dump's custom format (restore with pg_restore).
# SQLite: SQLite's online backup API, a consistent snapshot that includes what is still in the
# WAL, taken without stopping the app. OUTPUT defaults to backups/devthread-<UTC time>.<ext>.
# The path of the backup is printed on the last line.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
url="${DATABASE_URL:-sqlite:///$root/instance/devthread.sqlite}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"

case "$url" in
  postgres://* | postgresql://* | postgresql+*://*)
    out="${1:-$root/backups/devthread-$stamp.dump}"
    mkdir -p "$(dirname "$out")"
    # libpq does not know SQLAlchemy's "+psycopg" driver suffix.
    pg_dump --format=custom --no-owner --no-privileges \
      --file="$out.partial" --dbname="postgresql://${url#*://}"
    ;;
  sqlite:///*)
    out="${1:-$root/backups/devthread-$stamp.sqlite}"
    mkdir -p "$(dirname "$out")"
    path="${url#sqlite:///}"
    path="${path%%\?*}"
    # Flask-SQLAlchemy reads a relative SQLite path from the instance folder.
    [[ "$path" == /* ]] || path="$root/instance/$path"
    rm -f "$out.partial"
    "$python" - "$path" "$out.partial" <<'PY'
import sqlite3
import sys

source_path, target_path = sys.argv[1], sys.argv[2]
# mode=rw: a missing database is an error, not a new empty file.
source = sqlite3.connect(f"file:{source_path}?mode=rw", uri=True, timeout=30)
target = sqlite3.connect(target_path)
source.backup(target)  # one step: a consistent snapshot, writers keep going (WAL)
# A self-contained file: no -wal beside it.
target.execute("PRAGMA journal_mode=DELETE")
check = target.execute("PRAGMA integrity_check").fetchone()[0]
target.close()
source.close()
if check != "ok":
    sys.exit(f"the backup copy failed its integrity check: {check}")
PY
    ;;
  *)
    echo "backup.sh: DATABASE_URL must be a PostgreSQL or SQLite URL" >&2
    exit 2
    ;;
esac

# Only a finished backup gets the final name.
mv "$out.partial" "$out"
echo "$out"
