# Two commands do all their own set-up on a fresh machine:
#   make demo   start the local stack, run the gateway, send a fictional case, show who got what
#   make test   the whole suite: unit, integration (real Kafka + OPA), policy tests
# The long runs are their own targets: `make bench` measures performance, `make soak` runs the long
# fault and kill runs (on a stack of their own) and adds its figures to docs/benchmarks.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: demo test lint install clean bench soak browser gateways

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed: install python3.11 or set PYTHON=..."; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ketenpoort demo

# N gateway instances (default 3) on the local stack, supervised: `make gateways N=3`; Ctrl-C stops
# them all, each after committing its batch. `ketenpoort gateway scale N` changes the count
# (docs/operations.md, "Scale the gateway").
N ?= 3
gateways: $(STAMP)
	$(BIN)/ketenpoort stack up
	$(BIN)/ketenpoort gateway serve --instances $(N)

# Headless Chromium and chromedriver for the end-to-end tests, from Debian's packages (see the script).
browser:
	@scripts/ensure-browser

# The tests on the three-node cluster (marker `cluster`: a stack of their own, mostly waiting while
# a node or a process is down) run in a second pytest beside the rest; their report follows.
test: $(STAMP) browser lint
	$(BIN)/python -m pytest -p no:cacheprovider -m "cluster and not soak" --durations=10 \
		> .pytest-cluster.log 2>&1 & cluster=$$!; \
	$(BIN)/python -m pytest -m "not cluster and not soak" --durations=30; main=$$?; \
	wait $$cluster; beside=$$?; \
	echo "=== beside it, on the three-node cluster: pytest -m 'cluster and not soak'"; \
	cat .pytest-cluster.log; \
	exit $$(( main != 0 || beside != 0 ))

# Also run by make test (and so by CI): clean, or nothing is tested.
lint: $(STAMP)
	$(BIN)/ruff check gateway adapters oncall tools tests bench
	$(BIN)/ruff format --check gateway adapters oncall tools tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info

# Each benchmark keeps its figures in build/bench/; the last line is all of them, with the targets.
bench: $(STAMP)
	rm -rf build/bench
	$(BIN)/python -m bench.decisions --signals 5000
	$(BIN)/python -m bench.routing --signals 20000
	$(BIN)/python -m bench.pipeline --signals 10000
	$(BIN)/python -m bench.alerts --alerts 200
	$(BIN)/python -m bench.alerts --alerts 50 --burst 2000
	$(BIN)/python -m bench.ids --ids 250000
	$(BIN)/python -m bench.startup --records 20000
	$(BIN)/python -m bench.history --signals 100000
	$(BIN)/python -m bench.memory --signals 100000
	$(BIN)/python -m bench.scale --signals 4000
	$(BIN)/python -m bench.summary

# 20 000 records, 1% poison, 12 SIGKILLs of the gateway; the short version is in `make test`.
soak: $(STAMP) browser
	$(BIN)/python -m pytest -m soak
	$(BIN)/python -m bench.soak --signals 20000 --kills 12
