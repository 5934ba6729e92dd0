#!/usr/bin/env bash
# Print a secret key kept in instance/serve_secret_key, for `make serve` on a developer machine.
# Real deployments set SECRET_KEY themselves (docs/deploy.md).
set -euo pipefail
file="$(dirname "$0")/../instance/serve_secret_key"
if [ ! -s "$file" ]; then
  umask 077
  python3 -c 'import secrets; print(secrets.token_urlsafe(48))' > "$file"
fi
cat "$file"
