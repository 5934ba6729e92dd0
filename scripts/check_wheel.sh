#!/usr/bin/env bash
# Check that the wheel carries the whole app: build it, install it (not editable) with the
# locked dependencies into a fresh virtual environment, then, from an empty folder, migrate a
# new SQLite database, serve with gunicorn and fetch a page, a static file, the SPA and /readyz.
# Needs `make assets spa` first (make check-wheel does that). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

step() { echo "== $*"; }

step "build the wheel"
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" . 2>&1 | grep -v '^WARNING: Location' || true
wheel="$(ls "$work"/dist/devthread-*.whl)"
for inside in app/_shipped/templates/base.html app/_shipped/static/vendor/htmx.min.js \
              app/_shipped/migrations/env.py app/_shipped/spa/index.html \
              app/translations/de/LC_MESSAGES/messages.mo app/translations/es/LC_MESSAGES/messages.mo; do
  "$python" -c "import sys, zipfile; sys.exit(0 if sys.argv[2] in zipfile.ZipFile(sys.argv[1]).namelist() else 1)" \
    "$wheel" "$inside" || { echo "the wheel lacks $inside" >&2; exit 1; }
done
echo "   $(basename "$wheel"): $(du -k "$wheel" | cut -f1) KB"

step "install it, with requirements.lock, into a fresh virtual environment"
"$python" -m venv "$work/venv"
pip=("$work/venv/bin/pip" --quiet --disable-pip-version-check)
"${pip[@]}" install --require-hashes --no-deps -r requirements.lock 2>&1 | grep -v '^WARNING: Location' || true
"${pip[@]}" install --no-deps "$wheel" 2>&1 | grep -v '^WARNING: Location' || true
"$work/venv/bin/pip" check 2>&1 | grep -v '^WARNING: Location'

step "migrate and serve from an empty folder (nothing of the checkout on the path)"
mkdir "$work/site" && cd "$work/site"
export FLASK_APP=app SECRET_KEY=wheel-check-secret-key-0123456789abcdef INSTANCE_PATH="$work/site/instance"
unset DATABASE_URL REDIS_URL PYTHONPATH
"$work/venv/bin/python" -c "import app, sys; sys.exit(0 if app.__file__.startswith('$work/venv/') else 1)" \
  || { echo "app was imported from outside the fresh environment" >&2; exit 1; }
"$work/venv/bin/flask" db upgrade 2>&1 | tail -1
port="$("$work/venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$work/venv/bin/gunicorn" --worker-class gevent --workers 1 --bind "127.0.0.1:$port" \
  --log-level warning 'app:create_app()' &
server=$!
for _ in $(seq 1 100); do
  "$work/venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=1)" \
    2>/dev/null && break
  sleep 0.2
done

step "fetch"
status=0
for path in / /readyz /static/vendor/htmx.min.js /static/css/app.css /app/ /api/v1/openapi.json; do
  if "$work/venv/bin/python" - "http://127.0.0.1:$port$path" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as answer:
    body = answer.read()
    print(f"   {answer.status} {len(body):>7} B  {sys.argv[1].split('/', 3)[-1] or '/'}")
PY
  then :; else echo "FAILED  $path" >&2; status=1; fi
done
cd "$root"
[ $status -eq 0 ] && echo "The wheel serves the whole app." || exit 1
