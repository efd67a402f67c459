# The two commands a newcomer needs: `make demo` and `make test`. Both create .venv on first use.
# The first interpreter that runs and is 3.11 or newer (pyenv shims can exist without working).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-future lint typecheck unit bench fuzz clean

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
	$(BIN)/ruff check socialleads connectors tests bench scripts fuzz scheduler.py

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

# Coverage-guided fuzzing with atheris (docs/fuzzing.md): each target in fuzz/ for FUZZ_SECONDS, stopping at the
# first finding (its input saved under fuzz/findings/<target>/). atheris is the `fuzz` extra, kept out of `dev`.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := meta_webhook csv_reader yaml_config
fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[fuzz]'
	@mkdir -p fuzz/findings
	@for target in $(FUZZ_TARGETS); do \
		log=fuzz/findings/$$target.log; \
		echo "fuzz: $$target for $(FUZZ_SECONDS)s"; \
		if ! $(BIN)/python fuzz/$$target.py -max_total_time=$(FUZZ_SECONDS) >$$log 2>&1; then \
			sed -n '/Uncaught Python exception/,/ERROR: libFuzzer/p' $$log | grep . || tail -30 $$log; \
			echo "fuzz: $$target found a problem (docs/fuzzing.md); reproduce it with"; \
			echo "  $(BIN)/python fuzz/$$target.py fuzz/findings/$$target/crash-..."; \
			exit 1; \
		fi; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' $$log; \
	done

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
