# Practica's production image: gunicorn serves the site; the same image runs the Celery
# worker and beat with another command (see compose.yaml).

# --- Build: the virtualenv and the collected static files ----------------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install -r /tmp/requirements.lock
WORKDIR /app
COPY . .
# Settings need a key and a database URL to load; collectstatic uses neither.
RUN DEBUG=false SECRET_KEY=collectstatic-only DATABASE_URL=postgres://build@localhost/build \
    /opt/venv/bin/python manage.py collectstatic --noinput

# --- Run --------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
# pg_dump/pg_restore for manage.py backup and restore (same major version as the server).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /app practica \
    && mkdir -p /var/lib/practica/media /var/backups/practica /run/practica/metrics \
    && chown -R practica:practica /var/lib/practica /var/backups/practica /run/practica
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DEBUG=false \
    LOG_FORMAT=json \
    MEDIA_ROOT=/var/lib/practica/media \
    BACKUP_DIR=/var/backups/practica \
    PROMETHEUS_MULTIPROC_DIR=/run/practica/metrics \
    GUNICORN_BIND=0.0.0.0:8000
USER practica
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "config.wsgi"]
