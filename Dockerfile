# syntax=docker/dockerfile:1

# --- front end: TypeScript + Vite bundle -------------------------------------------------------
FROM node:20-bookworm-slim AS frontend
WORKDIR /frontend
# Manifests first so the npm layer stays cached until the dependencies change.
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- application image ---------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=annotation.settings \
    DATA_DIR=/data \
    MEDIA_ROOT=/data/media

# ffmpeg/ffprobe are runtime requirements (clip ingestion, waveforms, /healthz); gettext's
# msgfmt compiles the translation catalogues below (the .mo files are not in the repository).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg gettext \
    && rm -rf /var/lib/apt/lists/* \
    && ffmpeg -version >/dev/null && ffprobe -version >/dev/null

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# Runtime dependencies only, read from pyproject.toml, in their own layer so that code changes
# do not reinstall them. The code itself runs from /app (PYTHONPATH), not from site-packages.
COPY pyproject.toml ./
RUN python -c "import subprocess, sys, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
subprocess.check_call([sys.executable, '-m', 'pip', 'install', *deps])"

COPY . .
COPY --from=frontend /frontend/dist /app/frontend/dist

# Compile the Simplified Chinese catalogues (locale/*.po -> .mo): without them a fresh image
# serves English only. The throwaway SECRET_KEY keeps settings from generating one.
RUN SECRET_KEY=compilemessages-build-only python manage.py compilemessages

# Static files are collected at build time into STATIC_ROOT (DATA_DIR/static) and served by
# whitenoise. The throwaway SECRET_KEY keeps settings from writing a generated key into the image.
RUN SECRET_KEY=collectstatic-build-only python manage.py collectstatic --noinput \
    && rm -f /data/secret_key /data/db.sqlite3 \
    && mkdir -p /data/media \
    && chown -R app:app /data

# /data/media exists and is owned by `app` in the image, so a fresh named volume mounted there
# (see docker-compose.yml) is initialised with that ownership.
USER app
EXPOSE 8000

CMD ["gunicorn", "annotation.wsgi:application", "--config", "deploy/gunicorn/gunicorn.conf.py", \
     "--bind", "0.0.0.0:8000"]
