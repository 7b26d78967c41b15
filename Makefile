# streamapp: `make run` starts the app with demo data, `make test` runs the tests.
# Both set up everything they need on a fresh machine (a virtualenv in .venv, packages, Chromium, nginx).

SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
# Django 6 needs Python 3.12 or newer: use the first one found (pyenv's versions included).
PYTHON ?= $(shell for p in python3.13 python3.12 $(HOME)/.pyenv/versions/3.13*/bin/python3 \
	$(HOME)/.pyenv/versions/3.12*/bin/python3 /usr/local/bin/python3 python3; do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$$p"; break; }; done)

.PHONY: run test install install-dev system-packages ffmpeg browser lint migrate demo bench-search clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "streamapp needs Python 3.12 or newer (python3.12 not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $@

install: $(VENV)/.installed

# Debian's Chromium for the browser tests, nginx for the production front's (tests/deploy/) and ffmpeg
# for transcoding and loudness: root
# installs what is missing (Debian starts its own nginx service on port 80 when that port is free; the
# tests run theirs); others are told the apt-get line. Nothing to do when all are there.
SYSTEM_PACKAGES := chromium chromium-driver nginx ffmpeg
system-packages:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/sbin/nginx ] \
		|| ! command -v ffmpeg >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null \
			|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; }; \
		else echo "Chromium, nginx or ffmpeg is missing: run 'sudo apt-get install $(SYSTEM_PACKAGES)'"; exit 1; fi; \
	fi

browser: system-packages

# `make run` needs only ffmpeg (transcoded streams, loudness), installed the same way.
ffmpeg:
	@if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null \
			|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null; }; \
		else echo "ffmpeg is missing: run 'sudo apt-get install ffmpeg'"; exit 1; fi; \
	fi

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate ffmpeg
	$(PY) manage.py seed_demo --if-empty

run: demo
	@mkdir -p var/celery
	@echo ""
	@echo "  streamapp is starting at http://127.0.0.1:$(PORT)/"
	@echo "  Log in as listener demo / demo, or as staff admin / admin (admin site: /admin/)."
	@echo "  Ctrl-C stops the web server, the Celery worker and beat."
	@echo ""
	@# Each server runs in its own session, so a Ctrl-C or a SIGTERM to make's process group reaches
	@# only this shell, which then stops each server exactly once (Celery hangs on a second signal).
	@trap 'trap - INT TERM EXIT; kill $$(jobs -p) 2>/dev/null; wait' INT TERM EXIT; \
	setsid $(VENV)/bin/celery -A streamapp worker --loglevel=WARNING --concurrency=2 & \
	setsid $(VENV)/bin/celery -A streamapp beat --loglevel=WARNING --schedule=var/celery/beat-schedule & \
	setsid $(PY) manage.py runserver --noreload 127.0.0.1:$(PORT) & \
	wait

test: install system-packages
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

bench-search: install
	$(PY) bench/search.py

clean:
	rm -rf $(VENV) var staticfiles
