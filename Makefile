# Liaison's everyday tasks. `make` (or `make help`) lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PG_URL ?= postgres://postgres@127.0.0.1:5432/liaison_ci
LANGUAGES := -l ar -l vi

.PHONY: help demo test test-pg browser lint format typecheck ci bench messages

help: ## list the tasks
	@echo "Liaison tasks (make TASK):"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-10s %s\n", $$1, $$2}'

demo: ## set up the demo (SQLite, demo data, logins) and serve it on http://127.0.0.1:8000/
	uv run liaison demo

test: ## run the tests on SQLite, browser tests included (skipped without /usr/bin/chromium)
	uv run pytest

test-pg: ## run the tests on PostgreSQL (set PG_URL to change the database), without the browser tests
	DATABASE_URL=$(PG_URL) uv run pytest -m "not browser"

browser: ## run only the browser tests (Chromium via Playwright); screenshots in var/screenshots/
	uv run pytest -m browser -rs

lint: ## ruff lint and format check
	uv run ruff check .
	uv run ruff format --check .

format: ## format the code and apply ruff's safe fixes
	uv run ruff format .
	uv run ruff check --fix .

typecheck: ## mypy (strict) on liaison and config
	uv run mypy liaison config

ci: ## what CI runs (installs what is missing, checks, tests on PostgreSQL and SQLite)
	bash .ci/run

bench: ## the benchmarks
	uv run python bench/run.py

messages: ## update the Arabic and Vietnamese message files, then compile them
	uv run python manage.py makemessages $(LANGUAGES) --ignore=.venv --ignore=var --ignore=bench
	uv run python manage.py compilemessages $(LANGUAGES) --ignore=.venv --ignore=var
