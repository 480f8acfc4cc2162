# Allo Idarati 3737 — the two commands of a fresh Debian machine are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app shared.app:create_app
# python3-venv: the virtualenv (Debian splits it out); espeak-ng + sox: regenerating voice
# prompts; libsndfile1: reading mu-law WAV (soundfile); chromium: the browser tests
# (driven by Playwright with executable_path: Playwright downloads no browser of its own).
DEBIAN_PACKAGES := python3-venv espeak-ng sox libsndfile1 chromium
# Development defaults for `make run` (production sets its own, see README): development
# mode (demo data allowed) unless APP_ENV says otherwise; Twilio's REST API is the dev
# phone's stand-in inside the server itself (console/devphone: 404 in production).
DEV_ENV := TWILIO_AUTH_TOKEN=$${TWILIO_AUTH_TOKEN:-dev-auth-token} \
	TWILIO_ACCOUNT_SID=$${TWILIO_ACCOUNT_SID:-AC00000000000000000000000000000000} \
	TWILIO_API_BASE=$${TWILIO_API_BASE:-http://127.0.0.1:$(PORT)/dev/twilio} \
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://localhost:$(PORT)}

.PHONY: run test install system-deps call bench lock prompts clean

## run: install everything, migrate, load administrations and demo data, serve on $(PORT)
run: install
	$(DEV_ENV) $(FLASK) release
	$(DEV_ENV) $(FLASK) data demo
	$(DEV_ENV) $(BIN)/gunicorn -w 1 --threads $${WEB_THREADS:-256} -b $${HOST:-127.0.0.1}:$(PORT) \
	  --keep-alive 75 --no-control-socket shared.wsgi:app

## test: install everything, lint, and run the tests (again on PostgreSQL when TEST_DATABASE_URL is set)
test: install
	$(BIN)/ruff check shared ivr console tests bench
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== the suite again on $${TEST_DATABASE_URL%%://*}"; \
	  $(BIN)/python -m pytest $(PYTEST_ARGS); fi

## call: walk the line from a terminal against `make run`'s server
call: install
	$(DEV_ENV) $(FLASK) ivr call --url http://127.0.0.1:$(PORT)

## bench: the benchmarks of bench/ (figures printed)
bench: install
	VENV=$(VENV) bash bench/run

## prompts: regenerate the voice prompts whose text changed (espeak-ng placeholders)
prompts: install
	$(FLASK) prompts generate

install: system-deps $(VENV)/.installed

system-deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "please install these Debian packages: $$missing" >&2; exit 1; fi

$(VENV)/.installed: setup.cfg pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

lock: install
	{ head -2 constraints.txt; $(BIN)/pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) instance *.egg-info
