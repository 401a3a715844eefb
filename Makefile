# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
# Python 3.12+ is needed (Mesa 3.5); set PYTHON=/path/to/python3.12 if it is not found.
PYTHON ?= $(shell for p in python3.12 python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3.12 \
	/usr/local/bin/python3.12 /usr/bin/python3.12 python3; do \
	if $$p -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' >/dev/null 2>&1; then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_DIR ?= results/default

.PHONY: venv run test lint bench clean chromium

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no Python 3.12 or newer found; install it or run make PYTHON=/path/to/python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

## make run: set up, run the default study (baseline, municipality size), write results and plots
run: venv
	rm -rf $(RUN_DIR)
	$(BIN)/sim replications=4 workers=2 hydra.run.dir=$(RUN_DIR)
	@echo "results and plots in $(RUN_DIR)/ (kpis.csv, timeseries.parquet, kpis.png, timeseries.png, manifest.json)"

## make test: set up, lint, and run the whole test suite
test: venv lint chromium
	$(BIN)/pytest -q -n 2

## make chromium: install Debian's Chromium (the report's browser test) when no browser is found and we
## are root; a failure is tolerated (the test then skips, naming the reason)
BROWSERS := chromium chromium-browser google-chrome google-chrome-stable
chromium:
	-@for b in $(BROWSERS); do command -v $$b >/dev/null 2>&1 && exit 0; done; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make chromium: no browser found; installing Debian's chromium with apt-get"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
		echo "make chromium: no browser found and not root with apt-get; the report browser test will skip"; \
		exit 1; \
	fi

lint: venv
	$(BIN)/ruff check sim tests experiments

bench: venv
	$(BIN)/python experiments/benchmark/benchmark.py

clean:
	rm -rf $(VENV) results/default results/runs results/multirun outputs multirun
