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
	@echo "make: setting up $(VENV) with $(PYTHON) (once, about 1-2 minutes): sim and its dependencies"
	@echo "      (Mesa, SimPy, NumPy, SciPy, pandas, pyarrow, matplotlib, Hydra and its joblib and submitit"
	@echo "      launchers, SALib) and the test tools (pytest, pytest-xdist, hypothesis, ruff), from PyPI"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --progress-bar off -e ".[dev]"
	@echo "make: $(VENV) is ready"
	touch $(STAMP)

venv: $(STAMP)

## make run: set up, run a small compare_organisation study (5 scenarios x 3 replications at
## municipality size), collate it and write its report and plots under
## results/compare_organisation/<time>/ (results/compare_organisation/latest points to the newest)
run: venv
	$(MAKE) --no-print-directory study STUDY=compare_organisation SWEEP_ARGS="replications=3"

## make study STUDY=<experiment> [SWEEP_ARGS="replications=3 population.size=20000"]: the sweep of
## configs/experiment/<experiment>.yaml on this machine, then sim collate and sim report. Each run
## writes new folders named by time (results/multirun/<experiment>/<time>, results/<experiment>/<time>)
## and points `latest` beside them at the newest: no study overwrites another. Failed jobs are listed
## in the report and make the target fail after the report is written; a sweep that did not start
## (a config error, Ctrl-C) collates nothing.
STUDY ?= compare_organisation
SWEEP_ARGS ?=
study: venv
	@stamp=$$(date +%Y-%m-%d_%H-%M-%S); sweep=results/multirun/$(STUDY)/$$stamp; \
	$(BIN)/sim -m experiment=$(STUDY) hydra/launcher=local hydra.sweep.dir=$$sweep $(SWEEP_ARGS); status=$$?; \
	[ $$status -le 1 ] && [ -d $$sweep ] || { echo "make study: the sweep did not run (status $$status)"; exit $$status; }; \
	$(BIN)/sim collate $$sweep && $(BIN)/sim report results/$(STUDY)/$$stamp && \
	echo "report: results/$(STUDY)/latest/report.html ($$stamp); tables and plots/ beside it" && exit $$status

## make test: set up, lint, and run the whole test suite
## (the sweeps on real SLURM and Ray clusters are `make test-cluster`, mk/cluster.mk; .ci/run runs both)
test: venv lint chromium
	$(BIN)/pytest -q -n 2 -m "not cluster"

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
	$(BIN)/ruff check sim tests experiments hydra_plugins

bench: venv
	$(BIN)/python experiments/benchmark/benchmark.py

clean:
	rm -rf $(VENV) .venv-ray results/default results/runs results/multirun outputs multirun

include mk/cluster.mk
