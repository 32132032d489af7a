# Sampark: two commands. `make run` starts the local stack; `make test` runs every test.
# Each installs what it needs into .venv first (only when the requirements changed).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit api e2e clean bench synth

$(STAMP): requirements.txt requirements-dev.txt infra/requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip<26.3"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .  # the `sampark` command
	touch $(STAMP)

# infra/'s checkers (checkov, aws-sam-translator) pin boto3 & co. far below the app: their own venv.
INFRA_STAMP := .venv-infra/.installed
$(INFRA_STAMP): infra/requirements-lint.txt
	test -x .venv-infra/bin/python || $(PYTHON) -m venv .venv-infra
	.venv-infra/bin/python -m pip install --quiet --disable-pip-version-check -r infra/requirements-lint.txt
	touch $(INFRA_STAMP)

run: $(STAMP)
	$(BIN)/python -m devtools.local_stack

# CloudFormation templates of every stage, offline (no AWS account, no CDK CLI): build/infra/<hash>/
synth: $(STAMP) $(INFRA_STAMP)
	$(BIN)/python -m infra.synth

lint: $(STAMP)
	$(BIN)/ruff check app.py chalicelib devtools bench tests infra

# devtools/ (the local stack, its account builder and call counter, the dev commands), bench/ (the benchmarks)
# and the suite's instrumentation (tests/support/, the shared fixtures) are typed too
TYPED := app.py chalicelib infra devtools bench tests/support tests/conftest.py tests/api/conftest.py \
	tests/e2e/conftest.py tests/e2e/web_helpers.py
typecheck: $(STAMP)
	$(BIN)/mypy $(TYPED)

# Two pytest-xdist workers, each file a group (tests/conftest.py): the e2e files first, a local stack each
# on whichever worker is free, then the infra synth, the api and the unit files; and branch coverage of
# chalicelib/ measured in the test processes: the run fails under 85 % (pyproject.toml [tool.coverage.*]);
# missing lines in the output, test-output/coverage.xml for tools; the 25 slowest tests are listed at the end.
PYTEST_WORKERS ?= 2
test: $(STAMP) $(INFRA_STAMP) lint typecheck
	SAMPARK_IMPORT_ROWS=4000 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder \
		--cov --cov-report=term-missing:skip-covered --cov-report=xml --durations=25

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

clean:
	rm -rf $(VENV) .venv-infra build infra/cdk.out .pytest_cache .ruff_cache .mypy_cache .hypothesis test-output .local

# Figures: 20,000 contacts imported through the local stack (write calls per row, seconds), then
# bench/results.md and .json (bench/__main__.py: cold start — over 1.2x the bare libraries' import fails
# the target —, DynamoDB calls per route from the last full `make test`'s recording — a partial one is
# refused —, rotation, import, package size; then bench/server.py: the next-call queue under 35 agents
# (bench/lease_queue.py) on a local stack it starts and stops, digest reads at 1,000 vs 50,000 calls,
# peak memory per function, the state-scale partition simulation).
bench: $(STAMP)
	$(BIN)/python -m pytest tests/e2e/test_import_bulk.py -m e2e -s
	$(BIN)/python -m bench

# A month of demo activity (the previous calendar month, IST; MONTH=YYYY-MM for another) on the running local stack
# (`make run` in another terminal; if none answers, one is started here and kept until Ctrl-C): rosters, one
# campaign, every agent's days through the lease and call code (late, absent, leaving early, a relief agent,
# suspicious calls, verification re-calls), then the monthly vendor job; prints where its email and CSV are.
# devtools/demo_month.py. Not part of `make run`.
.PHONY: demo-month
demo-month: $(STAMP)
	$(BIN)/python -m devtools.demo_month $(if $(MONTH),--month $(MONTH))

# schemathesis against docs/openapi.yaml on the local stack: every role, every phase, 100 examples per
# operation (a short run of it is part of `test`: tests/e2e/test_fuzz.py). Report: test-output/fuzz/.
.PHONY: fuzz
fuzz: $(STAMP)
	$(BIN)/python -m devtools.fuzz --examples 100 --workers 2

# Lighthouse (npm lighthouse@12.2.3, mobile, Debian's chromium) on the web client served by the local
# stack, the sign-in screen and a supervisor's campaign page (devtools/lighthouse.py PAGES): the median
# scores of three runs each go to docs/performance.md ("Web client"). Not part of `test`.
.PHONY: lighthouse
lighthouse: $(STAMP)
	$(BIN)/python -m devtools.lighthouse
