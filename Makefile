# Two commands on a fresh machine: `make run` starts the app, `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test install bench lint messages images

$(BIN)/activate: requirements.txt requirements-worker.txt requirements-train.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

install: $(BIN)/activate

# Web on http://127.0.0.1:8000 plus one scoring worker; SQLite, ./var/media and a
# filesystem broker unless DATABASE_URL / REDIS_URL say otherwise. Ctrl-C stops both.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v 0
	bash scripts/run-local.sh

test: install
	bash scripts/ensure-services.sh
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-i18n.sh
	bash scripts/ensure-docker.sh  # tests/docker: Docker, its daemon and the base image (skips where Docker cannot run)
	bash scripts/ensure-prometheus.sh
	# 1: everything on the embedded defaults (SQLite, filesystem broker, local media).
	$(BIN)/python -m pytest
	# 2: the web tests again on PostgreSQL + Redis.
	DATABASE_URL=$(PG_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest tests/web

# beauty-evaluator-web and beauty-evaluator-worker from the Dockerfile (sizes printed);
# TORCH_VARIANT=cuda make images: the CUDA worker instead (beauty-evaluator-worker:cuda).
images: install
	bash scripts/build-images.sh

bench: install
	bash scripts/ensure-services.sh
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check ml scoring operations beautysite tests bench

# After changing words: collect them into locale/zh_Hans, translate the new entries, run it again to compile.
messages: install
	bash scripts/make-messages.sh
