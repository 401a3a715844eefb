#!/usr/bin/env bash
# Start a one-node Ray cluster on this machine (`ray start --head`), for tests/cluster/test_ray.py.
# Ray comes from .venv-ray (`make venv-ray`: sim with its [ray] extra, kept apart from .venv
# because the Hydra Ray plugin pins cloudpickle<3). Everything listens on 127.0.0.1 only:
# RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 makes Ray use the loopback address (without it, Ray
# replaces 127.0.0.1 by this machine's network address); the same variable must be set for
# every Ray client of this cluster (`ray status`, `sim ... address=auto`), and it stops other
# machines from joining. RAY_AUTH_MODE=disabled, for the head and its clients alike: without it
# Ray 2.60 turns token authentication on for the head as soon as ~/.ray/auth_token exists (any
# `ray.init()` that started a local Ray wrote one), and then refuses clients that are not given
# the token. The dashboard (127.0.0.1:8265) is on because `ray list` needs it.
# Idempotent: on a cluster that is already up it only checks it. .ci/cluster/ray_down.sh stops it.
#   RAY_VENV (default .venv-ray)   RAY_NUM_CPUS (default 2)
# Exit status: 0 up, other: it failed to start.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RAY_VENV=${RAY_VENV:-$ROOT/.venv-ray}
RAY=$RAY_VENV/bin/ray
NUM_CPUS=${RAY_NUM_CPUS:-2}
export RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 RAY_AUTH_MODE=disabled
STATE=$SIM_CLUSTER_DIR/ray
mkdir -p "$STATE"
rm -f "$STATE/unavailable"

if [ ! -x "$RAY" ]; then
    echo "ray_up: $RAY not found: make venv-ray creates it" >&2
    exit 1
fi
# the port answers (at once when nothing listens), then Ray's own check
port_open() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
ray_up() { port_open && timeout 30 "$RAY" status --address 127.0.0.1:6379; }

if ray_up >/dev/null 2>&1; then
    echo "ray_up: Ray is already up at 127.0.0.1:6379"
    exit 0
fi
echo "ray_up: starting a Ray head with $NUM_CPUS CPUs on 127.0.0.1:6379"
if ! "$RAY" start --head --port 6379 --num-cpus "$NUM_CPUS" --object-store-memory 200000000 \
    --include-dashboard true --dashboard-host 127.0.0.1 --disable-usage-stats >"$STATE/ray_start.log" 2>&1; then
    echo "ray_up: ray start failed:" >&2
    tail -n 30 "$STATE/ray_start.log" >&2
    exit 1
fi
if ! wait_for 60 ray_up; then
    echo "ray_up: Ray does not answer 60 s after ray start:" >&2
    tail -n 30 "$STATE/ray_start.log" >&2
    exit 1
fi
echo "ray_up: Ray is up at 127.0.0.1:6379 ($NUM_CPUS CPUs; dashboard and state API on 127.0.0.1:8265)"
