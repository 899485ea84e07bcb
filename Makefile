# The two commands of the quickstart: `make demo` and `make test`. Each installs what it needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# checkov pins a boto3 the layer cannot share, so it has a venv of its own.
SECURITY_VENV := .venv-security
SECURITY_INSTALLED := $(SECURITY_VENV)/.installed
PY313 := /root/.pyenv/versions/3.13.0/bin
# The browser tests drive Debian's Chromium: Playwright's own browser download is not reachable.
CHROMIUM := /usr/bin/chromium
# The spam-score test runs Debian's SpamAssassin with its shipped rules, offline.
SPAMASSASSIN := /usr/bin/spamassassin
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
export AWS_ACCOUNT_ID_ENDPOINT_MODE := disabled

.PHONY: demo serve test lint typecheck validate security unit integration e2e load load-ci build clean translations

$(INSTALLED): requirements-dev.txt layers/shared/requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	# The shared layer and the local runtime are importable in the venv, as the layer is in Lambda.
	$(PY) -c "import site, pathlib; pathlib.Path(site.getsitepackages()[0], 'kustomer_surveys_dev.pth').write_text('$(CURDIR)/layers/shared\n$(CURDIR)\n')"
	touch $(INSTALLED)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium

$(SPAMASSASSIN):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends spamassassin

demo: $(INSTALLED)
	$(PY) -m local.demo --outbox outbox

serve: $(INSTALLED)
	$(PY) -m local.demo --outbox outbox --serve

test: lint typecheck validate security unit integration e2e load-ci

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

e2e: $(INSTALLED) $(CHROMIUM) $(SPAMASSASSIN)
	$(PY) -m pytest tests/e2e

# The load test (tests/load): the CI size in `make test`, 10,000 conversations with `make load`.
load-ci: $(INSTALLED)
	$(PY) -m pytest tests/load

load: $(INSTALLED)
	$(PY) -m pytest tests/load --load-size $${LOAD_SIZE:-10000}

# Every catalog (layers/shared/surveys/locales/*.po) brought in line with the texts the code and
# templates use: a new text arrives untranslated (or fuzzy, when Babel guesses it from a similar
# one), and tests/unit/test_catalogs.py fails until a translator fills it in; a text nothing uses
# any more is dropped. A new language: copy en.po to xx.po, set its Language header, translate.
translations: $(INSTALLED)
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location -o .translations.pot .
	for catalog in layers/shared/surveys/locales/*.po; do \
		$(VENV)/bin/pybabel update --ignore-obsolete --width 100 \
			-i .translations.pot -o $$catalog -l $$(basename $$catalog .po) || exit 1; \
	done
	rm -f .translations.pot

build: $(INSTALLED)
	PATH="$(PY313):$$PATH" $(VENV)/bin/sam build --template template.yaml

clean:
	rm -rf $(VENV) $(SECURITY_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache outbox test-output
