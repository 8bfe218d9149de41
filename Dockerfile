# AluMusic production image: API (Granian), worker, scheduler and dashboard share it; the command differs.
# Dependencies come from requirements.lock (every package pinned with its hashes); the code belongs to root
# and is read-only for the application user; only /app/.local (a volume: offline model, mail outbox) is writable.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ALUMUSIC_ENV=production \
    ALUMUSIC_LOCAL_DIR=/app/.local \
    HOME=/tmp

WORKDIR /app

COPY requirements.lock .
RUN pip install --require-hashes -r requirements.lock

COPY . .
RUN rm -rf .venv .local tests bench requirements-dev.txt requirements-local.txt \
    && pip install --no-deps --no-build-isolation . \
    && useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin alumusic \
    && mkdir -p /app/.local && chown alumusic:alumusic /app/.local

USER alumusic

# The offline classifier, built at image build time from the corpus in the repository (reproducible); the
# `treinar` command retrains it into the same volume later.
RUN python -m shared.classification.local train

EXPOSE 8000 8501
CMD ["python", "-m", "ingest_api.server"]
