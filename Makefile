# Two commands do all the set-up on a fresh Debian machine with Python 3.11+:
#   make dev   installs what is missing, then runs the whole product on this machine
#   make test  installs what is missing, then runs every check and test, as CI does
PYTHON ?= python3
ENV ?= dev
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist workers for `make check` and `make test`. On a 2-core machine 3 measured fastest
# (`make check`: 2m21s, against 2m37s-3m06s with 2 and 2m47s with 4): tests often wait on sockets and sleeps.
WORKERS ?= 3

.PHONY: dev check test test-e2e lint format bench bench-rag bench-scale bench-load bench-capacity widget-size chromium dashboard widget install synth diff deploy clean iac-scan

# checkov (some 300 MB with what it needs) in a venv of its own, outside `make test`.
IAC_VENV := .venv-iac
IAC_STAMP := $(IAC_VENV)/.installed

$(STAMP): requirements-dev.txt requirements-e2e.txt requirements-infra.txt layers/common/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
		echo "Installing python3-venv (Debian) ..."; \
		apt-get update -qq && apt-get install -y -qq python3-venv; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

NPM_STAMP := node_modules/.package-lock.json
DASHBOARD_STAMP := dashboard/node_modules/.package-lock.json

install: $(STAMP)

# The operators' app: TypeScript + React, built by Vite into dashboard/dist, which the local
# gateway serves at /app (CloudFront in AWS). npm's registry is the only thing it downloads from.
$(DASHBOARD_STAMP): dashboard/package.json dashboard/package-lock.json
	npm --prefix dashboard ci --no-audit --no-fund

dashboard: $(DASHBOARD_STAMP)
	npm --prefix dashboard run build

# The widget visitors download, minified into widget/dist (the launcher, and the chat it loads on first
# open) by esbuild, pinned in dashboard/package.json; the readable sources stay in widget/ (docs/widget-build.md).
widget: $(DASHBOARD_STAMP)
	node widget/build.mjs

# The CDK CLI, pinned in package-lock.json.
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

$(IAC_STAMP): requirements-iac.txt
	$(PYTHON) -m venv $(IAC_VENV)
	$(IAC_VENV)/bin/pip install -q -r requirements-iac.txt
	touch $@

# checkov's CloudFormation checks on both environments' templates: prints the failures and the counts.
iac-scan: install $(IAC_STAMP)
	$(BIN)/python -m infra.iac_scan --checkov $(IAC_VENV)/bin/checkov

synth: install $(NPM_STAMP) widget
	npx cdk synth --quiet -c env=$(ENV)

diff: install $(NPM_STAMP) widget
	npx cdk diff -c env=$(ENV)

deploy: install $(NPM_STAMP) widget
	npx cdk deploy --all -c env=$(ENV)

# The browser tests drive Debian's Chromium through Playwright; Playwright's own browser download
# is never used (it reaches outside the package registries).
chromium:
	@test -x /usr/bin/chromium || { \
		echo "Installing Chromium (Debian) for the browser tests ..."; \
		apt-get update -qq && apt-get install -y -qq chromium fonts-noto-color-emoji; }

dev: install dashboard widget
	$(BIN)/python -m infra.local

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/common/python/chatflow layers/common/python/chatflow_edge functions infra bench tests

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The fast loop (docs/testing.md): lint, then the unit and integration tiers on xdist workers, each
# with its own database in one embedded PostgreSQL. Under 4 minutes here; no browser, no CDK, and none of
# the property tier's minutes of generated requests (make test runs those).
check: lint widget
	$(BIN)/pytest -n $(WORKERS) tests/unit tests/integration

# Every tier, as CI runs it; the infra and e2e tiers each stay on one worker (one synthesis, one local stack).
test: lint chromium dashboard widget
	npm --prefix dashboard test
	$(BIN)/pytest -n $(WORKERS) --dist loadgroup

test-e2e: install chromium dashboard widget
	$(BIN)/pytest tests/e2e

bench: install dashboard widget
	$(BIN)/python -m bench.widget_api
	$(BIN)/python -m bench.cold_start
	$(BIN)/python -m bench.first_request
	$(BIN)/python -m bench.widget_size
	$(BIN)/python -m bench.realtime_fanout
	$(BIN)/python -m bench.language
	$(BIN)/python -m bench.webhooks
	$(BIN)/python -m bench.attachments
	$(BIN)/python -m bench.streaming

# The agents' views, WhatsApp's window and the reports over a large organisation's data, each built in
# its own throw-away database (several minutes: the reports' year alone is 5 million messages).
bench-scale: install
	$(BIN)/python -m bench.inbox_views
	$(BIN)/python -m bench.meta_window
	$(BIN)/python -m bench.reports

# The knowledge base's retrieval quality and latency (about 2 minutes: it builds a 100k-chunk index).
bench-rag: install
	$(BIN)/python -m bench.rag_eval
	$(BIN)/python -m bench.rag_latency

# The widget API under load through a database restart, with a flaky AI provider; audited in
# PostgreSQL, fails on a lost, duplicated or miscounted message (about 30 seconds).
bench-load: install
	$(BIN)/python -m bench.load

# The widget path's SQL cost per call (pg_stat_statements) and the highest rate the local gateway's
# workers sustain, with where it saturates (docs/capacity.md; about 2 minutes).
bench-capacity: install
	$(BIN)/python -m bench.capacity

widget-size: install dashboard widget
	$(BIN)/python -m bench.widget_size

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache cdk.out node_modules dashboard/node_modules dashboard/dist widget/dist
