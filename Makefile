# Two commands on a fresh machine: `make lab` (try it) and `make test` (check it).
# Prerequisites: Python 3.10+, Node.js 20+, make. Everything else goes into ./.venv and ./node_modules.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
CHROMIUM := /usr/bin/chromium
# Stamps make repeated `make test` skip the reinstall unless the packaging files changed.
INSTALL_INPUTS := pyproject.toml package.json yarn.lock hatch_build.py $(wildcard jupyter_privacy/engines/spark/java/src/org/jupyterprivacy/spark/*.java)

# Browsers come from Debian (see tests/ui), never from Playwright's download.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# jlpm and jupyter-builder live in the venv; the frontend build called by pip needs them on PATH.
export PATH := $(BIN):$(PATH)

ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True,)

.PHONY: help lab lab-env test lint clean distclean chromium postgresql check-prereqs screenshots

help:
	@echo "make lab    install into .venv (editable, frontend built) and start JupyterLab on examples/"
	@echo "make test   install with test extras and run the test suite (pytest + jest)"
	@echo "make lint   ruff, mypy, eslint and tsc"
	@echo "make clean  remove build output (keeps .venv and node_modules; 'make distclean' removes those too)"

check-prereqs:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
	  || { echo "error: $(PYTHON) is older than 3.10; install Python 3.10+ or run 'make PYTHON=python3.11 ...'"; exit 1; }
	@command -v node >/dev/null \
	  || { echo "error: Node.js not found; install Node.js 20+ (needed to build the JupyterLab extension)"; exit 1; }
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
	  || { echo "error: Node.js $$(node --version) is too old; install Node.js 20+"; exit 1; }

$(BIN)/python: | check-prereqs
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# pip builds the frontend through hatch-jupyter-builder (jlpm install + build) before installing.
# `jupyter-builder develop` leaves an install.json in the built extension; a re-install would then pack it
# twice (pyproject's shared-data adds it too) and fail: it is removed first.
STALE_INSTALL_JSON := jupyter_privacy/labextension/install.json

$(VENV)/.installed-lab: $(BIN)/python $(INSTALL_INPUTS)
	rm -f $(STALE_INSTALL_JSON)
	$(BIN)/python -m pip install -e ".[ner,lab]"
	$(BIN)/jupyter-builder develop --overwrite .
	touch $@

$(VENV)/.installed-test: $(BIN)/python $(INSTALL_INPUTS)
	rm -f $(STALE_INSTALL_JSON)
	$(BIN)/python -m pip install -e ".[ner,lab,test]"
	$(BIN)/jupyter-builder develop --overwrite .
	touch $@

# A development masking key for `make lab`, created once and kept out of git (see .gitignore).
# Production keys come from the admin (docs/admin-guide.md); an exported JUPYTER_PRIVACY_KEY wins.
DEV_KEY := $(CURDIR)/.jupyter-privacy-dev.key

$(DEV_KEY): | $(VENV)/.installed-lab
	$(BIN)/jupyter-privacy key generate --file $@

# What `make lab` gives JupyterLab, its kernels and its terminals: the example policy; an IPython profile
# whose kernel config autoloads jupyter-privacy (an admin would use /etc/ipython, see docs/admin-guide.md;
# inside .venv it would also autoload in the test suite's kernels); the venv's commands on PATH, in a
# non-login terminal shell (a login shell's /etc/profile would reset PATH).
LAB_DIR := $(CURDIR)/.lab
LAB_KERNEL_CONFIG := $(LAB_DIR)/ipython/profile_default/ipython_kernel_config.py
LAB_ENV := JUPYTER_PRIVACY_POLICY="$(CURDIR)/examples/privacy_policy.yaml" IPYTHONDIR="$(LAB_DIR)/ipython" \
	PATH="$(BIN):$$PATH"

$(LAB_KERNEL_CONFIG): jupyter-config/lab/ipython_kernel_config.py
	mkdir -p $(dir $@)
	cp $< $@

lab: $(VENV)/.installed-lab $(DEV_KEY) $(LAB_KERNEL_CONFIG)
	$(LAB_ENV) JUPYTER_PRIVACY_KEY="$${JUPYTER_PRIVACY_KEY:-$$(cat $(DEV_KEY))}" \
	  $(BIN)/jupyter lab --notebook-dir=examples $(ALLOW_ROOT) \
	  --ServerApp.terminado_settings="shell_command=$${SHELL:-/bin/sh}"

# The environment `make lab` starts JupyterLab with (tests/test_make_lab.py checks it through a kernel).
lab-env: $(LAB_KERNEL_CONFIG)
	@$(LAB_ENV) env

chromium:
	@if [ -x $(CHROMIUM) ]; then \
	  echo "chromium: $(CHROMIUM) present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
	  echo "note: $(CHROMIUM) is missing; the browser tests will be skipped."; \
	  echo "      install it with: sudo apt-get install chromium"; \
	fi

# PostgreSQL server binaries for the team-log tests (they start a throw-away cluster themselves).
postgresql:
	@if [ -n "$$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null)" ]; then \
	  echo "postgresql: server binaries present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	else \
	  echo "note: PostgreSQL server binaries are missing; the team-log tests will be skipped."; \
	  echo "      install them with: sudo apt-get install postgresql"; \
	fi

# The test command: static checks first (they are quick), then every test suite.
test: lint chromium postgresql
	$(BIN)/python -m pytest -q
	$(BIN)/jlpm test

# Regenerate the screenshots in docs/img (UI tests and the Art. 30 export test, light and dark theme).
screenshots: $(VENV)/.installed-test chromium
	JUPYTER_PRIVACY_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/ui tests/records/test_article30.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check jupyter_privacy tests benchmarks examples/make_data.py
	$(BIN)/ruff format --check jupyter_privacy
	$(BIN)/mypy
	$(BIN)/jlpm eslint:check
	$(BIN)/jlpm tsc --noEmit

clean:
	rm -rf lib tsconfig.tsbuildinfo jupyter_privacy/labextension jupyter_privacy/_version.py \
	  .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info $(VENV)/.installed-* .lab

distclean: clean
	rm -rf $(VENV) node_modules
