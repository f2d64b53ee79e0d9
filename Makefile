# Two commands on a fresh machine with only Python 3.11+: `make run`, `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Two stamps: `make run` installs only what running needs; the developer tools (pytest,
# playwright, mypy...) come with `make install`, which `make test` and `make lint` use.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
# bench/ arrives with the benchmarks issue; lint what exists.
LINT_PATHS := src tests $(wildcard bench)

.PHONY: install install-run run test test-sqlite test-postgres lint bench fuzz faults clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# pip's own progress is shown: on a fresh clone this is the slow step.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@echo "installing openmaze and what it needs to run into $(VENV)"
	$(BIN)/python -m pip install -e .
	touch $@

$(DEV_STAMP): $(RUN_STAMP)
	@echo "installing the developer tools into $(VENV)"
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install-run: $(RUN_STAMP)

install: $(DEV_STAMP)

# The server on SQLite (in the user's data folder, see docs/configuration.md) with the demo
# catalog and a premium user `demo`. RUN_ARGS='--host 0.0.0.0' makes it reachable from a TV.
run: install-run
	$(BIN)/openmaze serve --demo $(RUN_ARGS)

# The whole suite on SQLite, then again on PostgreSQL when OPENMAZE_TEST_POSTGRES_URL is set.
test: install lint test-sqlite
	@if [ -n "$$OPENMAZE_TEST_POSTGRES_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "OPENMAZE_TEST_POSTGRES_URL not set: PostgreSQL pass skipped"; fi

test-sqlite: install
	OPENMAZE_TEST_DB=sqlite $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	OPENMAZE_TEST_DB=postgres $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy
	$(BIN)/lint-imports pyproject.toml --no-cache  # layers and cycles: pyproject.toml [tool.importlinter]
	OPENMAZE_DATABASE_URL=sqlite:///$$(mktemp -d)/check.sqlite3 sh -c '$(BIN)/openmaze migrate >/dev/null && $(BIN)/alembic check'
	@if [ -n "$$OPENMAZE_TEST_POSTGRES_URL" ]; then $(BIN)/python .ci/alembic_check_postgres.py "$$OPENMAZE_TEST_POSTGRES_URL"; \
	else echo "OPENMAZE_TEST_POSTGRES_URL not set: alembic check on PostgreSQL skipped"; fi

# The fault suite alone (tests/faults; `make test` runs it too): database and disk failures,
# slow sockets, interrupted migrations, backups. Some tests mount a tmpfs or start their own
# PostgreSQL, and are skipped where that is not allowed.
faults: install
	OPENMAZE_TEST_DB=sqlite $(BIN)/pytest tests/faults $(PYTEST_ARGS)
	@if [ -n "$$OPENMAZE_TEST_POSTGRES_URL" ]; then OPENMAZE_TEST_DB=postgres $(BIN)/pytest tests/faults $(PYTEST_ARGS); fi

# Schema-driven fuzzing, long run (the suite runs a few examples per operation).
fuzz: install
	OPENMAZE_FUZZ_EXAMPLES=$${OPENMAZE_FUZZ_EXAMPLES:-300} $(BIN)/pytest tests/hardening/test_fuzz.py -q $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
