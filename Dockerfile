# The images, from one file (`make images`):
#   --target web     beauty-evaluator-web: gunicorn on :8000, also runs celery beat; no torch, no OpenCV
#   --target worker  beauty-evaluator-worker: the scoring Celery worker, CPU torch and the shipped weights;
#                    with --build-arg TORCH_VARIANT=cuda (TORCH_INDEX=https://download.pytorch.org/whl/cu130
#                    where the build reaches an index), torch's CUDA build
# Settings are the environment variables of README's "Settings"; nothing else is read.
# The one place the base is named. No image registry answers on the CI machine, so
# scripts/ensure-docker.sh makes this image there from Debian's packages (debootstrap).
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS base
ENV LANG=C.UTF-8 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    HOME=/tmp \
    DJANGO_SETTINGS_MODULE=beautysite.settings \
    BEAUTY_VAR_DIR=/var/lib/beauty \
    STATIC_ROOT=/app/staticfiles
RUN if ! command -v python3.11 >/dev/null; then \
      apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*; \
    fi
# Any UID works: files are readable by all, and the var folder belongs to group 0, which Docker
# gives a UID it does not know (`--user 12345`); a fresh named volume there takes these rights.
RUN useradd --uid 10001 --gid 0 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin beauty \
    && mkdir -p /var/lib/beauty/media && chown -R 10001:0 /var/lib/beauty && chmod -R 2775 /var/lib/beauty
WORKDIR /app

FROM base AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3-venv gettext \
    && rm -rf /var/lib/apt/lists/*
# pip lives in a venv of its own and installs into /opt/venv (`pip --python`): the images carry no pip.
RUN python3 -m venv /opt/pip && python3 -m venv --without-pip /opt/venv
COPY requirements.txt requirements-worker.txt docker/pip-install.sh /build/
RUN --mount=type=bind,source=docker/wheels,target=/wheels sh /build/pip-install.sh -r /build/requirements.txt

FROM build AS app
# The checkout as .dockerignore leaves it, without the wheelhouse (only mounted, never copied).
RUN --mount=type=bind,target=/src tar -C /src --exclude=./docker/wheels -c . | tar -C /app -x
# Compiled messages and collected static files (compressed, as whitenoise serves them) at build
# time; the weights go to the worker only. The key only lets manage.py start here.
RUN python manage.py compilemessages -v 0 \
    && DJANGO_DEBUG=false DJANGO_SECRET_KEY=image-build-only RATE_LIMITS=false \
       python manage.py collectstatic --noinput -v 0 \
    && mkdir /weights && mv ml/weights/*.pt /weights/ \
    && python -m compileall -q beautysite scoring ml docker

FROM build AS worker-venv
# cpu, or cuda: torch's CUDA build (its wheels in docker/wheels/cuda, or from TORCH_INDEX).
ARG TORCH_VARIANT=cpu
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN --mount=type=bind,source=docker/wheels,target=/wheels \
    TORCH_VARIANT=$TORCH_VARIANT TORCH_INDEX=$TORCH_INDEX sh /build/pip-install.sh -r /build/requirements-worker.txt \
    && cd /opt/venv/lib/python3.11/site-packages/torch \
    && rm -rf test include share && find bin -type f ! -name torch_shm_manager -delete  # C++ headers and tests: not for scoring

FROM base AS web
COPY --from=build /opt/venv /opt/venv
COPY --from=app /app /app
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=3 CMD ["python", "/app/docker/healthcheck.py"]
# WEB_CONCURRENCY (gunicorn's own variable) sets the number of web processes; the config sums their metrics.
CMD ["gunicorn", "-c", "operations/gunicorn_config.py", "beautysite.wsgi", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]

FROM base AS worker
COPY --from=worker-venv /opt/venv /opt/venv
COPY --from=app /app /app
COPY --from=app /weights/ /app/ml/weights/
USER 10001
HEALTHCHECK --interval=15s --timeout=15s --start-period=120s --retries=3 CMD ["python", "/app/docker/healthcheck.py"]
# The scoring queue (SCORING_QUEUE) and beat's small jobs; -c sets the pool processes.
CMD ["sh", "-c", "exec celery -A beautysite worker -Q \"${SCORING_QUEUE:-scoring},celery\" --loglevel INFO"]
