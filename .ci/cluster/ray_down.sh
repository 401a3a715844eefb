#!/usr/bin/env bash
# Stop the Ray cluster of .ci/cluster/ray_up.sh with `ray stop`, which ends every Ray process on
# this machine that it may signal (all of them as root): do not run it beside other Ray work.
# Idempotent.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RAY_VENV=${RAY_VENV:-$ROOT/.venv-ray}
export RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 RAY_AUTH_MODE=disabled  # as ray_up.sh
if [ -x "$RAY_VENV/bin/ray" ]; then
    "$RAY_VENV/bin/ray" stop >/dev/null 2>&1 || "$RAY_VENV/bin/ray" stop --force >/dev/null
fi
echo "ray_down: Ray stopped"
