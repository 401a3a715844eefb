# Sweeps on real schedulers started on this machine (docs/sweeps.md, "Testing against real
# schedulers on this machine"). Included by the Makefile, which defines PYTHON and BIN.

RAY_VENV := .venv-ray
RAY_STAMP := $(RAY_VENV)/.installed
CLUSTER := .ci/cluster

.PHONY: venv-ray test-cluster

## make venv-ray: .venv-ray, a second environment with sim and its [ray] extra (hydra-ray-launcher
## and Ray). Not in .venv: the Hydra Ray plugin pins cloudpickle<3, which holds joblib below 1.6.
$(RAY_STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no Python 3.12 or newer found; install it or run make PYTHON=/path/to/python3.12"; exit 1; }
	$(PYTHON) -m venv $(RAY_VENV)
	echo '*' > $(RAY_VENV)/.gitignore
	$(RAY_VENV)/bin/pip install --quiet --upgrade pip
	$(RAY_VENV)/bin/pip install --quiet -e ".[ray]"
	touch $(RAY_STAMP)

venv-ray: $(RAY_STAMP)

## make test-cluster: start a one-node SLURM cluster (installing Debian's slurm-wlm and munge when
## root) and a one-node Ray cluster on this machine, run tests/cluster/ (a two-job sweep through
## each: hydra/launcher=slurm and hydra/launcher=ray_cluster), then stop both, also on failure
test-cluster: venv venv-ray
	bash $(CLUSTER)/run_tests.sh $(BIN)/pytest -q -m cluster tests/cluster
