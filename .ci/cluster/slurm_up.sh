#!/usr/bin/env bash
# Start a one-node SLURM cluster on this machine, for tests/cluster/test_slurm.py:
#   - installs Debian's slurm-wlm and munge with apt-get when they are missing (needs root),
#   - writes /etc/slurm/slurm.conf for this one host (marked as written here; a slurm.conf
#     written by anyone else is left alone and the cluster is reported unavailable),
#   - creates a munge key if there is none and starts munged, slurmctld and slurmd directly
#     (no systemd: the machine may be a container), all on 127.0.0.1,
#   - waits until `sinfo` shows the node idle.
# Idempotent: on a cluster that is already up it only checks it. .ci/cluster/slurm_down.sh stops it.
# State, logs and the job-completion log: $SIM_CLUSTER_DIR/slurm (default /tmp/sim-cluster/slurm).
# Exit status: 0 up, 3 this machine cannot run it (reason printed), other: it failed to start.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh"

STATE=$SIM_CLUSTER_DIR/slurm
CONF=/etc/slurm/slurm.conf
MARKER="# Written by sim's .ci/cluster/slurm_up.sh"
KEY=/etc/munge/munge.key
HOST=$(hostname -s)
mkdir -p "$STATE"
rm -f "$STATE/unavailable"

node_idle() { [ "$(sinfo -h -N -n "$HOST" -o %T 2>/dev/null)" = idle ]; }

# --- install --------------------------------------------------------------------------------
export PATH=$PATH:/usr/sbin:/sbin  # the daemons are in sbin, not on a normal user's PATH
missing=()
for cmd in munged munge slurmctld slurmd sbatch sinfo scontrol; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || unavailable "$STATE" "not root, and SLURM is not installed (missing: ${missing[*]}; as root this script installs Debian's slurm-wlm and munge)"
    command -v apt-get >/dev/null 2>&1 || unavailable "$STATE" "SLURM is not installed (missing: ${missing[*]}) and there is no apt-get to install it"
    echo "slurm_up: installing Debian's slurm-wlm and munge (missing: ${missing[*]})"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null
fi
[ "$(id -u)" = 0 ] || unavailable "$STATE" "not root: slurmd must run as root to start jobs as their user"

# --- configuration ---------------------------------------------------------------------------
if [ -f "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
    unavailable "$STATE" "$CONF belongs to another SLURM set-up; not overwritten (this script only runs its own one-node cluster)"
fi
CPUS=$(nproc)
MEM_MB=$(free -m | awk '/^Mem:/ {print int($2 * 0.9)}')  # what slurmd may hand out, in MB
mkdir -p /etc/slurm "$STATE/ctld" "$STATE/spool"
cat >"$CONF.new" <<EOF
$MARKER: a SLURM cluster of this one machine
# for the tests (tests/cluster/), on 127.0.0.1 only. slurm_down.sh removes it.
ClusterName=simtest
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
# no cgroups, no systemd: processes are tracked through /proc, tasks are not bound to cores
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
ReturnToService=2
SlurmdParameters=config_overrides
# no slurmdbd: every ended job is written to the job-completion log instead (tests read it)
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/jobcomp.log
# ended jobs stay visible to scontrol/squeue for 5 minutes
MinJobAge=300
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
if ! cmp -s "$CONF.new" "$CONF" 2>/dev/null; then
    mv "$CONF.new" "$CONF"
    changed=1
else
    rm -f "$CONF.new"
    changed=0
fi

# --- munge -----------------------------------------------------------------------------------
if [ ! -s "$KEY" ]; then
    echo "slurm_up: creating the munge key $KEY"
    mkdir -p /etc/munge
    if command -v mungekey >/dev/null 2>&1; then
        mungekey --create --keyfile="$KEY" --force
    else
        dd if=/dev/urandom of="$KEY" bs=1024 count=1 status=none
    fi
fi
chown munge:munge "$KEY" /etc/munge 2>/dev/null || true
chmod 0400 "$KEY"
munge_works() { munge -n </dev/null | unmunge >/dev/null; }
if ! munge_works >/dev/null 2>&1; then
    echo "slurm_up: starting munged"
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown munge:munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
    chmod 0755 /run/munge
    rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
    if id munge >/dev/null 2>&1; then
        runuser -u munge -- munged
    else
        munged --force
    fi
    touch "$STATE/munged.started"  # slurm_down.sh stops only a munged that this script started
    wait_for 20 munge_works || { echo "slurm_up: munged does not answer" >&2; exit 1; }
fi

# --- slurmctld and slurmd ----------------------------------------------------------------------
running() { [ -f "$1" ] && [ "$(cat "/proc/$(cat "$1")/comm" 2>/dev/null)" = "$2" ]; }
if [ "$changed" = 1 ]; then  # a new slurm.conf: restart whatever ran with the old one
    stop_pidfile "$STATE/slurmd.pid" slurmd
    stop_pidfile "$STATE/slurmctld.pid" slurmctld
fi
if ! running "$STATE/slurmctld.pid" slurmctld; then
    echo "slurm_up: starting slurmctld"
    slurmctld
fi
if ! running "$STATE/slurmd.pid" slurmd; then
    echo "slurm_up: starting slurmd"
    slurmd
fi

if ! wait_for 60 node_idle; then
    echo "slurm_up: node $HOST is not idle after 60 s:" >&2
    sinfo -N -l >&2 || true
    scontrol show node "$HOST" >&2 || true
    for log in slurmctld slurmd; do
        echo "--- last lines of $STATE/$log.log" >&2
        tail -n 20 "$STATE/$log.log" >&2 || true
    done
    exit 1
fi
echo "slurm_up: SLURM is up: node $HOST idle, $CPUS CPUs, ${MEM_MB} MB, partition debug (logs: $STATE)"
