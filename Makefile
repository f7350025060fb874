# mmrvos developer entry points. Every target installs what it needs first (tools/setup_env.sh is
# idempotent: seconds when the environment is complete, ~25 minutes on a fresh 2-core machine).
VENV ?= .venv
PYTHON := $(VENV)/bin/python
export MMRVOS_VENV := $(abspath $(VENV))

.PHONY: setup test test-fast lint demo check-install

setup:
	bash tools/setup_env.sh

test: setup
	$(PYTHON) -m ruff check mmrvos tools tests configs projects
	$(PYTHON) -m pytest tests -q

# the unit tests only (no end-to-end runs marked `slow`): a few minutes less
test-fast: setup
	$(PYTHON) -m pytest tests -q -m "not slow"

lint: setup
	$(PYTHON) -m ruff check mmrvos tools tests configs projects

check-install: setup
	$(PYTHON) tools/misc/check_install.py

demo: setup
	$(PYTHON) tools/run_synthetic_benchmark.py
