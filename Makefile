# `make run` and `make test` work on a fresh clone: they create .venv and install first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# tests/system/test_serve.py drives Debian's headless Chromium through its chromedriver.
CHROMIUM := /usr/bin/chromium /usr/bin/chromedriver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test check bench clean browser compile

$(STAMP): pyproject.toml reader/search/inverter.c reader/search/build_inverter.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Bytecode for reader/ (an editable install has none, and PYTHONDONTWRITEBYTECODE,
# set on some machines, keeps Python from writing it): compiling our modules on every
# start costs 0.1 s before the first frame. Up-to-date files are skipped.
compile: $(STAMP)
	$(BIN)/python -m compileall -q reader

run: compile
	$(BIN)/reader

browser:
	@for f in $(CHROMIUM); do test -x $$f || missing=1; done; \
	if [ -n "$$missing" ]; then \
		echo "installing chromium and chromium-driver (for tests/system/test_serve.py)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver; \
	fi

# Lint (ruff), format (ruff format), types (mypy) and the import contracts (import-linter).
check: $(STAMP)
	$(BIN)/ruff check reader tests bench
	$(BIN)/ruff format --check reader tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# -n auto: a pytest-xdist worker per core; each test has its own home and asks the OS for its ports.
test: $(STAMP) browser
	$(BIN)/python -m pytest -q -n auto

bench: compile
	$(BIN)/python bench/search.py
	$(BIN)/python bench/search_quality.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/related.py
	$(BIN)/python bench/fetch.py

clean:
	rm -rf $(VENV) build dist .pytest_cache reader/search/_inverter*.so
