# The two commands of the quickstart: `make demo` and `make test`. Each installs what it needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PY313 := /root/.pyenv/versions/3.13.0/bin
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
export AWS_ACCOUNT_ID_ENDPOINT_MODE := disabled

.PHONY: demo serve test lint typecheck validate unit integration e2e build clean

$(INSTALLED): requirements-dev.txt layers/shared/requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	# The shared layer and the local runtime are importable in the venv, as the layer is in Lambda.
	$(PY) -c "import site, pathlib; pathlib.Path(site.getsitepackages()[0], 'kustomer_surveys_dev.pth').write_text('$(CURDIR)/layers/shared\n$(CURDIR)\n')"
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(PY) -m local.demo --outbox outbox

serve: $(INSTALLED)
	$(PY) -m local.demo --outbox outbox --serve

test: lint typecheck validate unit integration e2e

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(INSTALLED)
	$(VENV)/bin/mypy

validate: $(INSTALLED)
	$(VENV)/bin/sam validate --lint --template template.yaml

unit: $(INSTALLED)
	$(PY) -m pytest tests/unit

integration: $(INSTALLED)
	$(PY) -m pytest tests/integration

e2e: $(INSTALLED)
	$(PY) -m pytest tests/e2e

build: $(INSTALLED)
	PATH="$(PY313):$$PATH" $(VENV)/bin/sam build --template template.yaml

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache outbox test-output
