# Thrive: one process, one aiohttp server. SQLite on the /data volume by default;
# set THRIVE_DATABASE_URL for PostgreSQL (see deploy/docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY prompts ./prompts
COPY storage ./storage
COPY thrive ./thrive
RUN pip install '.[postgres]' \
    && useradd --create-home --uid 10001 thrive \
    && mkdir /data && chown thrive /data

USER thrive
WORKDIR /data
VOLUME ["/data"]
ENV THRIVE_HOST=0.0.0.0 \
    THRIVE_PORT=8080 \
    THRIVE_DATABASE_URL=sqlite:////data/thrive.db
EXPOSE 8080
# Ask the port the server really listens on: THRIVE_PORT may be overridden at `docker run`.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; port = os.environ.get('THRIVE_PORT') or '8080'; urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"
CMD ["thrive", "serve"]
