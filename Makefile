# Shortcuts for the scripts and manage.py commands described in README.md.
PYTHON ?= .venv/bin/python

.PHONY: dev test lint messages seed

dev:
	./scripts/dev

test:
	./scripts/test

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

messages:
	$(PYTHON) manage.py makemessages --locale zh_Hans --locale en --ignore ".venv/*" --ignore "static/*" --no-obsolete
	$(PYTHON) manage.py compilemessages --ignore .venv

seed:
	$(PYTHON) manage.py seed_demo
