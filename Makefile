# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
# Python 3.12+ is needed (Mesa 3.5); set PYTHON=/path/to/python3.12 if it is not found.
PYTHON ?= $(shell for p in python3.12 python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3.12 \
	/usr/local/bin/python3.12 /usr/bin/python3.12 python3; do \
	if $$p -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' >/dev/null 2>&1; then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv run study test lint bench clean chromium

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no Python 3.12 or newer found; install it or run make PYTHON=/path/to/python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

## make run: set up, run a small compare_organisation study (4 scenarios x 3 replications at
## municipality size), collate it and write its report and plots under results/compare_organisation/
run: venv
	$(MAKE) --no-print-directory study STUDY=compare_organisation SWEEP_ARGS="replications=3"

## make study STUDY=<experiment> [SWEEP_ARGS="replications=3 population.size=20000"]: the sweep of
## configs/experiment/<experiment>.yaml on this machine, then sim collate and sim report. Failed jobs
## are listed in the report and make the target fail after the report is written.
STUDY ?= compare_organisation
SWEEP_ARGS ?=
SWEEP_DIR = results/multirun/$(STUDY)/latest
study: venv
	rm -rf $(SWEEP_DIR) results/$(STUDY)
	$(BIN)/sim -m experiment=$(STUDY) hydra/launcher=local \
		hydra.sweep.dir=$(SWEEP_DIR) $(SWEEP_ARGS); status=$$?; \
	$(BIN)/sim collate $(SWEEP_DIR) --out results/$(STUDY) && $(BIN)/sim report results/$(STUDY) && \
	echo "report: results/$(STUDY)/report.html; tables and plots/ beside it" && exit $$status

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
