#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh over the database DATABASE_URL names.
#
#   scripts/restore.sh [--yes] BACKUP
#
# Everything in that database is replaced by the backup's contents; without --yes it asks
# first. PostgreSQL: pg_restore --clean --if-exists in one transaction (all or nothing); stop
# the app or put it in maintenance first, as open transactions hold locks the restore waits on.
# SQLite: SQLite's backup API copies the backup into the live file under a write lock, so
# processes that keep it open see the restored data, never a half-written file.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
url="${DATABASE_URL:-sqlite:///$root/instance/devthread.sqlite}"
# For messages: the URL without its query or any user:password@.
shown="$(printf '%s' "${url%%\?*}" | sed -E 's#://[^@/]*@#://#')"

yes=0
if [[ "${1:-}" == "--yes" ]]; then
  yes=1
  shift
fi
if [[ $# -ne 1 || ! -f "$1" ]]; then
  echo "usage: scripts/restore.sh [--yes] BACKUP   (BACKUP must be an existing file)" >&2
  exit 2
fi
backup="$1"

if [[ $yes -ne 1 ]]; then
  if [[ ! -t 0 ]]; then
    echo "restore.sh: not a terminal; pass --yes to replace the database without asking" >&2
    exit 2
  fi
  read -r -p "Replace everything in $shown with $backup? Type yes: " answer
  [[ "$answer" == "yes" ]] || { echo "Not restored."; exit 1; }
fi

case "$url" in
  postgres://* | postgresql://* | postgresql+*://*)
    pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
      --dbname="postgresql://${url#*://}" "$backup"
    ;;
  sqlite:///*)
    path="${url#sqlite:///}"
    path="${path%%\?*}"
    [[ "$path" == /* ]] || path="$root/instance/$path"
    "$python" - "$backup" "$path" <<'PY'
import sqlite3
import sys

backup_path, live_path = sys.argv[1], sys.argv[2]
source = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
check = source.execute("PRAGMA integrity_check").fetchone()[0]
if check != "ok":
    sys.exit(f"the backup failed its integrity check, nothing restored: {check}")
live = sqlite3.connect(live_path, timeout=30)
source.backup(live)  # replaces every page under one write lock
check = live.execute("PRAGMA integrity_check").fetchone()[0]
live.close()
source.close()
if check != "ok":
    sys.exit(f"the restored database failed its integrity check: {check}")
PY
    ;;
  *)
    echo "restore.sh: DATABASE_URL must be a PostgreSQL or SQLite URL" >&2
    exit 2
    ;;
esac
echo "Restored $backup into $shown"
