# Two entry points a new machine needs: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip -q --disable-pip-version-check

.PHONY: demo serve test lint bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install -e '.[test]'
	touch $@

# `make demo PORT=9000` (or HOST=0.0.0.0, FRESH=1) passes them on to `thrive demo`.
demo: $(VENV)/.installed  ## install and run the bot on SQLite + the local web chat
	$(VENV)/bin/thrive demo $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST)) $(if $(FRESH),--fresh)

serve: $(VENV)/.installed
	$(VENV)/bin/thrive serve $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST))

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: $(VENV)/.installed-test lint  ## everything CI runs: services, lint, types, all tests
	bash .ci/services
	$(PY) -m pytest -n auto --dist loadfile --durations=20

bench: $(VENV)/.installed-test  ## benchmarks (not tests): figures as ratios to a bare aiohttp baseline
	$(PY) -m bench

clean:
	rm -rf $(VENV) thrive-demo.db* .pytest_cache .mypy_cache .ruff_cache
