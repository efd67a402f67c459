# The two commands a newcomer needs: `make demo` and `make test`. Both create .venv on first use.
# The first interpreter that runs and is 3.11 or newer (pyenv shims can exist without working).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-future lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "socialleads needs Python 3.11 or newer; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/socialleads demo

test: $(STAMP) lint typecheck
	$(BIN)/pytest

# The suite again with the wall clock moved ahead (tests/support/clock_shift.py): 400 days, then to the last
# day of a month a few minutes before midnight UTC, so a test that depends on today's date fails today.
test-future: $(STAMP)
	PYTEST_CLOCK_SHIFT=+400d $(BIN)/pytest -p no:cacheprovider
	PYTEST_CLOCK_SHIFT=month-end+400d $(BIN)/pytest -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check socialleads connectors tests bench scripts scheduler.py

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
