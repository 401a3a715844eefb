#!/usr/bin/env bash
# `make test-cluster`: start the one-node SLURM and Ray clusters of this machine, run the tests
# given as arguments (tests/cluster/), and stop both clusters whatever happened (failure,
# Ctrl-C). The exit status is the tests' one, or 1 if they passed but a cluster did not stop.
#
# A cluster that does not come up does not stop this script: the test that needs it calls the
# same *_up.sh again, and skips naming the reason only when the script says this machine cannot
# run it (exit status 3); any other failure to start fails that test.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

RAY_OURS=1  # 0 when a Ray cluster was up before: `ray stop` would end it too, so it is left alone
finish() {
    local status=$?
    if [ "$RAY_OURS" = 1 ]; then
        bash "$HERE/ray_down.sh" || { echo "run_tests: ray_down.sh failed" >&2; [ "$status" = 0 ] && status=1; }
    fi
    bash "$HERE/slurm_down.sh" || { echo "run_tests: slurm_down.sh failed" >&2; [ "$status" = 0 ] && status=1; }
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$SECONDS
bash "$HERE/slurm_up.sh" || echo "run_tests: slurm_up.sh exited with status $?; tests/cluster/test_slurm.py says why"
ray_log=$(bash "$HERE/ray_up.sh" 2>&1) || echo "run_tests: ray_up.sh exited with status $?; tests/cluster/test_ray.py says why"
echo "$ray_log"
case "$ray_log" in *"already up"*) RAY_OURS=0 ;; esac
echo "run_tests: clusters started in $((SECONDS - start)) s"
"$@"
