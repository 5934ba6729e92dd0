#!/usr/bin/env bash
# Check the deployment files with the real tools where this machine has them:
# promtool (Debian's "prometheus" package) for the alert rules, their unit tests and the scrape
# config, nginx (Debian's "nginx") for deploy/nginx.conf and haproxy (Debian's "haproxy") for
# deploy/haproxy.cfg. A missing tool is reported as NOT CHECKED and makes the script fail, so
# nothing passes silently. No Docker is needed.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

run() {
  local what="$1"
  shift
  if output="$("$@" 2>&1)"; then
    echo "ok      $what"
  else
    echo "FAILED  $what"
    printf '%s\n' "$output" | sed 's/^/        /'
    status=1
  fi
}

if command -v promtool >/dev/null 2>&1; then
  run "promtool check rules deploy/prometheus/alerts.yml" \
    promtool check rules deploy/prometheus/alerts.yml
  run "promtool test rules deploy/prometheus/alerts_test.yml" \
    promtool test rules deploy/prometheus/alerts_test.yml
  # The scrape config reads the metrics token from a file beside it: check a copy with a
  # stand-in token, so no real secret is needed here.
  scratch="$(mktemp -d)"
  cp deploy/prometheus/prometheus.yml deploy/prometheus/alerts.yml "$scratch/"
  echo "stand-in-token" > "$scratch/devthread_metrics_token"
  run "promtool check config deploy/prometheus/prometheus.yml" \
    promtool check config "$scratch/prometheus.yml"
  # The dashboard's queries, as recording rules with Grafana's variables filled in: promtool
  # then parses every one of them as PromQL.
  python3 - deploy/grafana/devthread.json "$scratch/dashboard_rules.yml" <<'PY'
import json
import sys

dashboard = json.load(open(sys.argv[1]))
exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
with open(sys.argv[2], "w") as out:
    out.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, expr in enumerate(exprs):
        expr = expr.replace("$__rate_interval", "5m").replace("$instance", ".*")
        out.write(f"      - record: dashboard_query_{i}\n        expr: {json.dumps(expr)}\n")
PY
  run "promtool check rules (the PromQL of deploy/grafana/devthread.json)" \
    promtool check rules "$scratch/dashboard_rules.yml"
  rm -rf "$scratch"
else
  echo "NOT CHECKED  alert rules: promtool is missing (apt-get install prometheus)"
  status=1
fi

if command -v nginx >/dev/null 2>&1; then
  # nginx -t resolves upstream names: outside Docker "app" means nothing, so check a copy that
  # points at 127.0.0.1, with a mime.types of nginx's own when /etc/nginx has none.
  scratch="$(mktemp -d)"
  sed 's/server haproxy:8080;/server 127.0.0.1:8080;/' deploy/nginx.conf > "$scratch/nginx.conf"
  if [ ! -f /etc/nginx/mime.types ]; then
    sed -i "s#include /etc/nginx/mime.types;#types { text/html html; }#" "$scratch/nginx.conf"
  fi
  run "nginx -t deploy/nginx.conf (upstream haproxy:8080 -> 127.0.0.1:8080)" \
    nginx -t -q -p "$scratch" -c "$scratch/nginx.conf"
  rm -rf "$scratch"
else
  echo "NOT CHECKED  deploy/nginx.conf: nginx is missing (apt-get install nginx)"
  status=1
fi

if command -v haproxy >/dev/null 2>&1; then
  # Docker's DNS (127.0.0.11) is only asked at run time: the check needs no Docker.
  run "haproxy -c deploy/haproxy.cfg" haproxy -c -q -f deploy/haproxy.cfg
else
  echo "NOT CHECKED  deploy/haproxy.cfg: haproxy is missing (apt-get install haproxy)"
  status=1
fi

exit $status
