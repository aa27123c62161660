# Two entry points, both self-contained on a machine with only python3 and make:
#   make demo   set everything up, start the Sinch emulator, run the example DAGs end to end
#   make test   set everything up, lint, type-check and run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit e2e bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

lint: $(STAMP)
	$(BIN)/ruff check airflow_provider_sinch tests dags_examples scripts benchmarks
	$(BIN)/ruff format --check airflow_provider_sinch tests dags_examples scripts benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .airflow-demo .pytest_cache .mypy_cache .ruff_cache .hypothesis
