# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PO := translations/it/LC_MESSAGES/messages.po
MO := $(PO:.po=.mo)
# The browser tests' npm packages: axe-core for their accessibility checks, and
# @sparticuz/chromium, the browser used where the machine has no Chromium
# (tests/browser/chromium.py). `npm ci` installs both; axe-core's file stands for them.
AXE := tests/browser/node_modules/axe-core/axe.min.js
# The single sign-on tests' OpenID Connect provider, panva's oidc-provider on Node
# (tests/oidc/provider.mjs); its package.json stands for its packages.
OIDC_PROVIDER := tests/oidc/node_modules/oidc-provider/package.json

.PHONY: run test test-postgres lint translations translations-update clean

run: export MARKETPLACE_ENV = development
run: $(VENV)/.installed $(MO)
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:5000 (Ctrl+C to stop)"
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-test $(MO) $(AXE) $(OIDC_PROVIDER)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports

translations: $(MO)

translations-update: $(VENV)/.installed
	MARKETPLACE_ENV=development $(FLASK) translate update

$(MO): $(PO) $(VENV)/.installed
	$(BIN)/pybabel compile -d translations

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: setup.cfg $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: setup.cfg $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@ $(VENV)/.installed

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund
	touch $@

$(OIDC_PROVIDER): tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .import_linter_cache tests/browser/node_modules tests/oidc/node_modules test-artifacts
	find . -name __pycache__ -prune -exec rm -rf {} +
	find translations -name '*.mo' -delete
