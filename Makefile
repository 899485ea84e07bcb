# The two commands of the quickstart: `make demo` and `make test`. Each installs what it needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# checkov pins a boto3 the layer cannot share, so it has a venv of its own.
SECURITY_VENV := .venv-security
SECURITY_INSTALLED := $(SECURITY_VENV)/.installed
# The unit and integration suites run again on the Python of the Lambda runtime (template.yaml's
# Runtime), which scripts/runtime-python finds on the PATH or through pyenv.
RUNTIME_VENV := .venv-runtime
RUNTIME_INSTALLED := $(RUNTIME_VENV)/.installed
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
export AWS_ACCOUNT_ID_ENDPOINT_MODE := disabled

.PHONY: demo serve test suites lint typecheck validate security unit integration runtime-suites \
	e2e chromium spamassassin load load-ci build artifact clean translations

$(INSTALLED): requirements-dev.txt layers/shared/requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	# The shared layer and the local runtime are importable in the venv, as the layer is in Lambda.
	$(PY) -c "import site, pathlib; pathlib.Path(site.getsitepackages()[0], 'kustomer_surveys_dev.pth').write_text('$(CURDIR)/layers/shared\n$(CURDIR)\n')"
	touch $(INSTALLED)

$(RUNTIME_INSTALLED): requirements-dev.txt layers/shared/requirements.txt pyproject.toml
	python=$$(scripts/runtime-python) && $$python -m venv --clear $(RUNTIME_VENV)
	$(RUNTIME_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(RUNTIME_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(RUNTIME_VENV)/bin/python -c "import site, pathlib; pathlib.Path(site.getsitepackages()[0], 'kustomer_surveys_dev.pth').write_text('$(CURDIR)/layers/shared\n$(CURDIR)\n')"
	touch $(RUNTIME_INSTALLED)

# The browser tests drive Debian's Chromium (Playwright's own browser download is not reachable),
# found on the PATH and installed when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium; }

# The spam-score test runs Debian's SpamAssassin with its shipped rules, offline.
spamassassin:
	@command -v spamassassin >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends spamassassin; }

demo: $(INSTALLED)
	$(PY) -m local.demo --outbox outbox

serve: $(INSTALLED)
	$(PY) -m local.demo --outbox outbox --serve

# Two at a time, as each keeps about one core busy: first the checks (the security venv installs
# while mypy runs), then the suites, longest first, each starting as soon as a core is free: unit
# and integration on the development Python and on the Lambda runtime's, the end-to-end tests,
# the load test and the built artifact. Chromium and SpamAssassin install first, one at a time.
test: chromium spamassassin
	$(MAKE) --no-print-directory -j2 --output-sync=target lint typecheck validate security
	$(MAKE) --no-print-directory -j2 --output-sync=target suites runtime-suites e2e load-ci artifact

suites:
	$(MAKE) --no-print-directory -j1 unit integration

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(INSTALLED)
	$(VENV)/bin/mypy

validate: $(INSTALLED)
	$(VENV)/bin/sam validate --lint --template template.yaml

# checkov on template.yaml, offline: fails on any finding neither fixed nor suppressed on its
# resource with the reason (Metadata: checkov: skip; tests/unit/test_template_security.py).
security: $(SECURITY_INSTALLED)
	$(SECURITY_VENV)/bin/checkov --file template.yaml --framework cloudformation \
		--quiet --compact --skip-download

$(SECURITY_INSTALLED): requirements-security.txt
	python3 -m venv $(SECURITY_VENV)
	$(SECURITY_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-security.txt
	touch $(SECURITY_INSTALLED)

unit: $(INSTALLED)
	$(PY) -m pytest tests/unit

integration: $(INSTALLED)
	$(PY) -m pytest tests/integration

# Without the runtime's Python here, say so and go on; CI must run them.
runtime-suites:
	@if scripts/runtime-python >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(RUNTIME_INSTALLED) && \
		echo "Unit and integration suites on $$($(RUNTIME_VENV)/bin/python -V), the Lambda runtime's" && \
		$(RUNTIME_VENV)/bin/python -m pytest tests/unit tests/integration; \
	else \
		echo "NOT RUN: the unit and integration suites on the Lambda runtime's Python."; \
		scripts/runtime-python || test -z "$$CI"; \
	fi

e2e: $(INSTALLED) chromium spamassassin
	$(PY) -m pytest tests/e2e

# The load test (tests/load): the CI size in `make test`, 10,000 conversations with `make load`.
load-ci: $(INSTALLED)
	$(PY) -m pytest tests/load

load: $(INSTALLED)
	$(PY) -m pytest tests/load --load-size $${LOAD_SIZE:-10000}

# Every catalog (layers/shared/surveys/locales/*.po) brought in line with the texts the code and
# templates use: a new text arrives untranslated (or fuzzy, when Babel guesses it from a similar
# one), and tests/unit/test_catalogs.py fails until a translator fills it in; a text nothing uses
# any more is dropped. Each is then compiled to the .mo beside it, which the functions read.
# A new language: copy en.po to xx.po, set its Language header, translate, run this again.
translations: $(INSTALLED)
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location -o .translations.pot .
	for catalog in layers/shared/surveys/locales/*.po; do \
		$(VENV)/bin/pybabel update --ignore-obsolete --width 100 \
			-i .translations.pot -o $$catalog -l $$(basename $$catalog .po) || exit 1; \
		$(VENV)/bin/pybabel compile --statistics \
			-i $$catalog -o $${catalog%.po}.mo -l $$(basename $$catalog .po) || exit 1; \
	done
	rm -f .translations.pot

# sam build needs the runtime's Python (python3.13) on the PATH. It writes no bytecode, which
# Lambda's read-only file system would then compile on every cold start: compiled here.
build: $(INSTALLED)
	@python=$$(scripts/runtime-python) && \
	PATH="$$(dirname $$python):$$PATH" $(VENV)/bin/sam build --template template.yaml && \
	$(PY) -m scripts.bytecode --python "$$python" .aws-sam/build

# The deployable build (arm64), then a copy for this machine's architecture from which every
# function is imported on the runtime's Python (scripts/check_artifact.py). Without that Python
# here, say so and go on; CI must run it.
artifact: $(INSTALLED)
	@if scripts/runtime-python >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory build && \
		$(PY) -m scripts.check_artifact --python "$$(scripts/runtime-python)"; \
	else \
		echo "NOT CHECKED: the built artifact, on the Lambda runtime's Python."; \
		scripts/runtime-python || test -z "$$CI"; \
	fi

clean:
	rm -rf $(VENV) $(SECURITY_VENV) $(RUNTIME_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache outbox test-output
