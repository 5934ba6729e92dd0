#!/bin/bash
# Run bench/feeds.py on a fresh clone of this repository at a commit, as docs/performance.md
# reports it: the clone shares this checkout's .venv and built assets, compiles its catalogs,
# starts from an empty Redis database 12, and logs the load average at its start and end.
#
#   bench/fresh-run.sh <label> [commit]      # results in bench/results/<label>.{md,json,log}
#   BENCH_ARGS="--routes pk,html_home --duration 5" bench/fresh-run.sh quick HEAD
set -euo pipefail
label=$1
commit=${2:-HEAD}
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/bench/results"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
git clone -q "$here" "$work/clone"
cd "$work/clone"
git checkout -q "$commit"
ln -s "$here/.venv" .venv
mkdir -p static/vendor frontend-angular
cp "$here"/static/vendor/* static/vendor/
if [ -d "$here/frontend-angular/dist" ]; then cp -r "$here/frontend-angular/dist" frontend-angular/; fi
.venv/bin/pybabel compile -d app/translations > /dev/null 2>&1 || { echo "pybabel compile failed" >&2; exit 1; }
redis-cli -n 12 flushdb > /dev/null
echo "start $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg) commit $(git rev-parse --short HEAD)" > "$out/$label.log"
# shellcheck disable=SC2086 # BENCH_ARGS is a list of options
PYTHONPATH=. .venv/bin/python bench/feeds.py ${BENCH_ARGS:-} --json "$out/$label.json" \
  > "$out/$label.md" 2>> "$out/$label.log"
echo "end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/$label.log"
