#!/usr/bin/env bash
# Stop the one-node SLURM cluster of .ci/cluster/slurm_up.sh: cancel its jobs, stop slurmd and
# slurmctld (and munged if slurm_up.sh started it) and remove the slurm.conf it wrote. The
# packages stay installed, the logs stay in $SIM_CLUSTER_DIR/slurm. Idempotent.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh"
export PATH=$PATH:/usr/sbin:/sbin

STATE=$SIM_CLUSTER_DIR/slurm
CONF=/etc/slurm/slurm.conf
MARKER="# Written by sim's .ci/cluster/slurm_up.sh"

if [ -f "$CONF" ] && grep -qF "$MARKER" "$CONF"; then
    scancel --quiet --full --user "$(id -un)" 2>/dev/null || true
    stop_pidfile "$STATE/slurmd.pid" slurmd
    stop_pidfile "$STATE/slurmctld.pid" slurmctld
    rm -f "$CONF"
fi
if [ -f "$STATE/munged.started" ]; then
    stop_pidfile /run/munge/munged.pid munged
    rm -f "$STATE/munged.started"
fi
echo "slurm_down: SLURM stopped"
