# AluMusic production image: API (gunicorn), worker, scheduler and dashboard share it; the command differs.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ALUMUSIC_ENV=production \
    ALUMUSIC_LOCAL_DIR=/app/.local

WORKDIR /app

# Runtime dependencies only (no embedded servers, no test tools).
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --create-home --uid 10001 alumusic
COPY --chown=alumusic:alumusic . .
RUN rm -rf .venv .local tests bench requirements-dev.txt requirements-local.txt \
    && pip install --no-deps . \
    && mkdir -p .local && chown alumusic:alumusic .local

USER alumusic

# The offline classifier model is built from the corpus in the repository at image build time (reproducible).
RUN python -m shared.classification.local train

EXPOSE 8000 8501
CMD ["gunicorn", "-c", "ingest_api/gunicorn_conf.py", "ingest_api:create_app()"]
