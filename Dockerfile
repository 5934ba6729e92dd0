# DevThread: gunicorn + gevent workers, as `make serve` runs them (gunicorn.conf.py), with the
# Angular SPA at /app/ and OpenTelemetry tracing available (OTEL_EXPORTER_OTLP_ENDPOINT).
# Build: docker build -t devthread .     Run the whole stack: docker compose up (docs/deploy.md)

# Front end, on Node 22 LTS: htmx and its WebSocket extension from npm, pinned by
# package-lock.json (as `make assets`), and the SPA's production build (as `make spa`; its API
# document and types are committed, so the build needs no Python).
FROM node:22-bookworm-slim AS frontend
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error \
 && mkdir -p static/vendor \
 && cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx-ext-ws/dist/ws.min.js static/vendor/
COPY frontend-angular/package.json frontend-angular/package-lock.json frontend-angular/
RUN cd frontend-angular && npm ci --no-audit --no-fund --loglevel=error
COPY frontend-angular frontend-angular
RUN cd frontend-angular && npm run build

# The wheel: the app with its templates, static files, migrations and the SPA inside
# (hatch_build.py), exactly what `pip wheel .` makes from a checkout after `make assets spa`.
FROM python:3.11-slim AS wheel
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md hatch_build.py ./
COPY app ./app
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
COPY --from=frontend /src/static/vendor/ ./static/vendor/
COPY --from=frontend /src/frontend-angular/dist/browser/ ./frontend-angular/dist/browser/
RUN pip wheel --no-deps --wheel-dir /dist .

# The edge (docker-compose.yml's nginx, `docker build --target web`): nginx with the app's static
# files, so /static/ never reaches a gunicorn worker. The config is deploy/nginx.conf.
FROM nginx:1.27 AS web
COPY deploy/nginx.conf /etc/nginx/nginx.conf
COPY static /usr/share/devthread/static
COPY --from=frontend /src/static/vendor/ /usr/share/devthread/static/vendor/

# The app (the default target): what `docker compose` runs as app, worker and migrate.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=wsgi \
    HOST=0.0.0.0 \
    PORT=8000 \
    INSTANCE_PATH=/app/instance \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
RUN useradd --create-home --uid 10001 --user-group devthread
WORKDIR /app

# Dependencies first, in their own layer, at the locked versions and hashes (with the tracing
# extra): rebuilt only when requirements.lock changes.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

# The app itself, not editable: it finds its files inside the package (app/paths.py).
COPY --from=wheel /dist/ /tmp/dist/
RUN pip install --no-deps /tmp/dist/*.whl \
 && rm -rf /tmp/dist \
 && mkdir -p instance/media instance/exports \
 && chown -R devthread:devthread instance
COPY wsgi.py gunicorn.conf.py ./

USER devthread
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"
# gunicorn.conf.py wipes PROMETHEUS_MULTIPROC_DIR's files at start and reads WEB_CONCURRENCY,
# WORKER_CONNECTIONS, FORWARDED_ALLOW_IPS. Migrations run separately (the compose "migrate" job).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
