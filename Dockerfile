# syntax=docker/dockerfile:1
# customer-gateway: one GraphQL endpoint over Fullwhere and Mews.
#   docker build -t customer-gateway .
#   docker run --rm -p 8000:8000 customer-gateway            # demo mode (no credentials)
#   docker run --rm -p 8000:8000 --env-file gateway.env customer-gateway
#   docker run --rm -p 8000:8000 --env-file gateway.env -e REDIS_URL=redis://redis:6379/0 \
#     customer-gateway gateway serve --host 0.0.0.0 --workers 4
# Several workers or replicas share their state through REDIS_URL (docs/scaling.md); the image
# has no redis-server, so `--workers` 2 or more without REDIS_URL refuses to start.

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# ---- build: a virtualenv with the dependencies, the gateway and its GraphiQL assets ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/gateway
ENV PATH=/opt/gateway/bin:$PATH
WORKDIR /src

# Dependencies first, in their own layer (rebuilt only when pyproject.toml or the lock
# changes), at the versions the test suite passed with.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && pip install -c requirements.lock -r requirements.txt

# Then the source, installed without touching the dependencies again.
COPY README.md ./
COPY gateway ./gateway
RUN pip install --no-deps . \
 && python -m compileall -q /opt/gateway/lib

# GraphiQL's pinned, hash-checked assets baked in: the page never needs a CDN.
RUN gateway fetch-graphiql

# ---- runtime: the virtualenv only, run by an unprivileged user ----
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/gateway/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid gateway --create-home --home-dir /home/gateway --shell /usr/sbin/nologin gateway
COPY --from=build /opt/gateway /opt/gateway
WORKDIR /home/gateway
USER gateway:gateway

EXPOSE 8000
# Liveness: /healthz answers without calling the upstreams (python, so no curl in the image).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
# `docker stop` sends SIGTERM: in-flight requests finish (up to REQUEST_DEADLINE_SECONDS + 1 s,
# 21 s by default, so stop with `docker stop -t 25`), then the process exits.
STOPSIGNAL SIGTERM
CMD ["gateway", "serve", "--host", "0.0.0.0"]
