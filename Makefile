# Two commands on a fresh machine with only Python 3.11+: `make run`, `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# bench/ arrives with the benchmarks issue; lint what exists.
LINT_PATHS := src tests $(wildcard bench)

.PHONY: install run test test-sqlite test-postgres lint bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The server on SQLite (./data/) with the demo catalog and a premium user `demo`.
run: install
	$(BIN)/openmaze serve --demo

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

# Schema-driven fuzzing, long run (the suite runs a few examples per operation).
fuzz: install
	OPENMAZE_FUZZ_EXAMPLES=$${OPENMAZE_FUZZ_EXAMPLES:-300} $(BIN)/pytest tests/hardening/test_fuzz.py -q $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
