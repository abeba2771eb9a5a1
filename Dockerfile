# OwnerBot service image: Python slim, ffmpeg for voice notes, non-root user, healthcheck.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OWNERBOT_DATA_DIR=/data

RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 ownerbot \
    && mkdir -p /data && chown ownerbot:ownerbot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY ownerbot ./ownerbot
RUN pip install .

USER ownerbot
VOLUME ["/data"]

HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["ownerbot", "health"]

CMD ["ownerbot", "run"]
