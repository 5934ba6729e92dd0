# DevThread: gunicorn + gevent workers, as `make serve` runs them (gunicorn.conf.py).
# Build: docker build -t devthread .     Run the whole stack: docker compose up (docs/deploy.md)

# htmx and its WebSocket extension come from npm, pinned by package-lock.json (as `make assets`).
FROM node:20-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error \
 && mkdir -p /out \
 && cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx-ext-ws/dist/ws.min.js /out/

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=wsgi \
    HOST=0.0.0.0 \
    PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
RUN useradd --create-home --uid 10001 --user-group devthread
WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN mkdir app && touch app/__init__.py \
 && pip install . \
 && pip uninstall -y devthread \
 && rm -rf app build devthread.egg-info

COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY --from=assets /out/ ./static/vendor/
COPY wsgi.py gunicorn.conf.py ./
# Editable, so app/ stays beside templates/, static/ and migrations/ where create_app finds them.
RUN pip install --no-deps -e . \
 && mkdir -p instance/media instance/exports \
 && chown -R devthread:devthread instance

USER devthread
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"
# gunicorn.conf.py wipes PROMETHEUS_MULTIPROC_DIR's files at start and reads WEB_CONCURRENCY,
# WORKER_CONNECTIONS, FORWARDED_ALLOW_IPS. Migrations run separately (the compose "migrate" job).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
