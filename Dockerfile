# IIZ Valais: the web application, the Celery worker and beat share this image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango and fonts for WeasyPrint (PDF rendering), gettext for the translations, curl for
# the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext curl \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 iiz
WORKDIR /app

COPY pyproject.toml README.md ./
COPY iiz ./iiz
COPY cases ./cases
COPY roles ./roles
RUN pip install ".[s3]"

COPY . .
# Static files and compiled translations are built into the image. Settings need a key
# at import time: a throw-away one, never used to serve.
RUN SECRET_KEY=build-only python manage.py compilemessages --ignore=.venv -v 0 \
    && SECRET_KEY=build-only python manage.py collectstatic --no-input -v 0 \
    && mkdir -p /app/media && chown -R iiz:iiz /app/media

USER iiz
EXPOSE 8000
CMD ["gunicorn", "iiz.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
