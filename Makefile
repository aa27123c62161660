# Two entry points, both self-contained on a machine with only python3 and make:
#   make demo   set everything up, start the Sinch emulator, run the example DAGs end to end
#   make test   set everything up, lint, type-check, run the test suite and make e2e-deploy
#   make e2e-deploy  Airflow deployed for real (PostgreSQL, LocalExecutor, scheduler, dag-processor,
#               triggerer, API server and UI), the example DAGs and the connection forms checked
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit e2e e2e-deploy bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,emulator]"
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

# Installs PostgreSQL and Chromium from the Debian packages when absent (apt-get, as root).
e2e-deploy: $(STAMP)
	$(BIN)/python scripts/e2e_deploy.py

test: lint typecheck unit e2e-deploy

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .airflow-demo .e2e-deploy .pytest_cache .mypy_cache .ruff_cache
